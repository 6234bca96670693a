// Package udpbatch reads and writes batches of UDP datagrams on a socket,
// one system call a batch where the system has one (recvmmsg and
// sendmmsg on Linux; a datagram a call elsewhere).
//
// On Linux the calls are made without handing the goroutine's P to the
// scheduler (as syscall.Syscall would): Go's sockets do not block, so
// recvmmsg and sendmmsg return at once, and waiting is left to the
// network poller. Telling the scheduler costs little by itself, but a
// batch that takes longer than the runtime's monitor tick (20 µs, common
// for sendmmsg on loopback, which delivers as it sends) has its P handed
// to another thread, and that churn of threads cost a CPU-capped RADIUS
// proxy a quarter of its CPU.
package udpbatch

import (
	"net"
	"net/netip"
)

// Message is one datagram. Buf holds it: for Read, Buf's length is the
// most that is read and N is set to the datagram's size; for Write, all
// of Buf is sent. Addr is the datagram's source (Read) or destination
// (Write); it is left zero on a connected socket.
type Message struct {
	Buf  []byte
	N    int
	Addr netip.AddrPort
}

// Batch is one goroutine's use of a socket: the vectors it passes to the
// kernel, sized for n messages a call. A Batch is not safe for
// concurrent use; goroutines sharing a socket each have their own.
type Batch struct{ sys sysBatch }

// New returns a Batch for conn that moves up to n messages a call.
func New(conn *net.UDPConn, n int) (*Batch, error) {
	b := &Batch{}
	if err := b.sys.init(conn, max(n, 1)); err != nil {
		return nil, err
	}
	return b, nil
}

// Read waits for datagrams and reads up to len(ms) of them (at most the
// Batch's size), returning how many. Errors are those of the socket: its
// read deadline, net.ErrClosed once it is closed, and on a connected
// socket an ICMP error from the peer (ECONNREFUSED).
func (b *Batch) Read(ms []Message) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	return b.sys.read(ms)
}

// Write sends the datagrams of ms in order, as many as one call takes
// (at least one, unless there is an error), and returns how many went.
// An error is about ms[n], the first not sent.
func (b *Batch) Write(ms []Message) (int, error) {
	if len(ms) == 0 {
		return 0, nil
	}
	return b.sys.write(ms)
}
