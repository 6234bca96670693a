//go:build !linux

package udpbatch

import (
	"net"
)

// sysBatch moves one datagram a call.
type sysBatch struct{ connected bool }

func (s *sysBatch) init(conn *net.UDPConn, _ int) error {
	s.connected = conn.RemoteAddr() != nil
	return nil
}

func (s *sysBatch) read(conn *net.UDPConn, ms []Message) (int, error) {
	n, from, err := conn.ReadFromUDPAddrPort(ms[0].Buf)
	if err != nil {
		return 0, err
	}
	ms[0].N = n
	if !s.connected {
		ms[0].Addr = from
	}
	return 1, nil
}

func (s *sysBatch) write(conn *net.UDPConn, ms []Message) (int, error) {
	var err error
	if s.connected {
		_, err = conn.Write(ms[0].Buf)
	} else {
		_, err = conn.WriteToUDPAddrPort(ms[0].Buf, ms[0].Addr)
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}
