package udpbatch

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsghdr is the kernel's struct mmsghdr: a msghdr and the length of
// the datagram it moved (padded to the msghdr's alignment, as in C).
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// sysBatch holds the vectors for recvmmsg and sendmmsg; names has room
// for an IPv6 socket address (an IPv4 one fits too).
type sysBatch struct {
	rc        syscall.RawConn
	inet6     bool // the socket is AF_INET6 (IPv4 peers are v4-mapped)
	connected bool
	hdrs      []mmsghdr
	iovs      []unix.Iovec
	names     []unix.RawSockaddrInet6
}

func (s *sysBatch) init(conn *net.UDPConn, n int) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var sa unix.Sockaddr
	var serr error
	if err := rc.Control(func(fd uintptr) { sa, serr = unix.Getsockname(int(fd)) }); err != nil {
		return err
	}
	if serr != nil {
		return os.NewSyscallError("getsockname", serr)
	}
	_, s.inet6 = sa.(*unix.SockaddrInet6)
	s.rc, s.connected = rc, conn.RemoteAddr() != nil
	s.hdrs, s.iovs, s.names = make([]mmsghdr, n), make([]unix.Iovec, n), make([]unix.RawSockaddrInet6, n)
	return nil
}

// prepare points the first n headers at ms's buffers and, unless the
// socket is connected, at the address slots.
func (s *sysBatch) prepare(ms []Message, n int) {
	for i := range n {
		buf := ms[i].Buf
		s.iovs[i] = unix.Iovec{}
		if len(buf) > 0 {
			s.iovs[i].Base = &buf[0]
			s.iovs[i].SetLen(len(buf))
		}
		h := &s.hdrs[i]
		*h = mmsghdr{}
		h.hdr.Iov = &s.iovs[i]
		h.hdr.SetIovlen(1)
		if !s.connected {
			h.hdr.Name = (*byte)(unsafe.Pointer(&s.names[i]))
			h.hdr.Namelen = unix.SizeofSockaddrInet6
		}
	}
}

// release drops the references to ms's buffers.
func (s *sysBatch) release(n int) {
	clear(s.hdrs[:n])
	clear(s.iovs[:n])
}

func (s *sysBatch) read(ms []Message) (int, error) {
	n := min(len(ms), len(s.hdrs))
	s.prepare(ms, n)
	defer s.release(n)
	got, err := s.call(unix.SYS_RECVMMSG, n, "recvmmsg", s.rc.Read)
	for i := range got {
		ms[i].N = int(s.hdrs[i].len)
		ms[i].Addr = netip.AddrPort{}
		if !s.connected {
			ms[i].Addr = addrOf(&s.names[i])
		}
	}
	return got, err
}

func (s *sysBatch) write(ms []Message) (int, error) {
	n := min(len(ms), len(s.hdrs))
	s.prepare(ms, n)
	defer s.release(n)
	if !s.connected {
		for i := range n {
			l, err := s.putAddr(&s.names[i], ms[i].Addr)
			if err != nil {
				if i == 0 {
					return 0, err
				}
				n = i // send those before it; the caller comes back for it
				break
			}
			s.hdrs[i].hdr.Namelen = l
		}
	}
	sent, err := s.call(unix.SYS_SENDMMSG, n, "sendmmsg", s.rc.Write)
	if sent == 0 && err == nil {
		err = errors.New("udpbatch: sendmmsg sent nothing")
	}
	return sent, err
}

// call makes the system call trap on the first n headers, from inside
// the socket's poller (wait: RawConn.Read or Write), which waits while
// the socket would block.
func (s *sysBatch) call(trap uintptr, n int, name string, wait func(func(uintptr) bool) error) (int, error) {
	var got uintptr
	var errno syscall.Errno
	err := wait(func(fd uintptr) bool {
		for {
			got, _, errno = syscall.RawSyscall6(trap, fd, uintptr(unsafe.Pointer(&s.hdrs[0])), uintptr(n), 0, 0, 0)
			switch errno {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false
			}
			return true
		}
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, os.NewSyscallError(name, errno)
	}
	return int(got), nil
}

// addrOf reads the socket address the kernel wrote into sa.
func addrOf(sa *unix.RawSockaddrInet6) netip.AddrPort {
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), port(sa4.Port))
	case unix.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), port(sa.Port))
	}
	return netip.AddrPort{}
}

// port turns a sockaddr's port (network byte order in memory) into a number.
func port(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// netPort is port's inverse.
func netPort(p uint16) uint16 {
	var n uint16
	b := (*[2]byte)(unsafe.Pointer(&n))
	b[0], b[1] = byte(p>>8), byte(p)
	return n
}

var errNoAddr = errors.New("udpbatch: a datagram without a destination on an unconnected socket")

// putAddr writes ap into sa in the socket's family and returns its size.
func (s *sysBatch) putAddr(sa *unix.RawSockaddrInet6, ap netip.AddrPort) (uint32, error) {
	if !ap.IsValid() {
		return 0, errNoAddr
	}
	a := ap.Addr()
	if s.inet6 {
		*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Port: netPort(ap.Port()), Addr: a.As16()}
		return unix.SizeofSockaddrInet6, nil
	}
	if !a.Unmap().Is4() {
		return 0, fmt.Errorf("udpbatch: IPv6 destination %v on an IPv4 socket", ap)
	}
	sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
	*sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Port: netPort(ap.Port()), Addr: a.Unmap().As4()}
	return unix.SizeofSockaddrInet4, nil
}
