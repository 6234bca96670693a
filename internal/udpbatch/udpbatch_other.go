//go:build !linux

package udpbatch

import (
	"net"
)

// sysBatch moves one datagram a call.
type sysBatch struct {
	conn      *net.UDPConn
	connected bool
}

func (s *sysBatch) init(conn *net.UDPConn, _ int) error {
	s.conn, s.connected = conn, conn.RemoteAddr() != nil
	return nil
}

func (s *sysBatch) read(ms []Message) (int, error) {
	n, from, err := s.conn.ReadFromUDPAddrPort(ms[0].Buf)
	if err != nil {
		return 0, err
	}
	ms[0].N = n
	if !s.connected {
		ms[0].Addr = from
	}
	return 1, nil
}

func (s *sysBatch) write(ms []Message) (int, error) {
	var err error
	if s.connected {
		_, err = s.conn.Write(ms[0].Buf)
	} else {
		_, err = s.conn.WriteToUDPAddrPort(ms[0].Buf, ms[0].Addr)
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}
