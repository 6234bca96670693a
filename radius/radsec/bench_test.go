package radsec

import (
	"context"
	"sync"
	"testing"

	layeh "layeh.com/radius"
)

// BenchmarkStatus100Conns measures Status-Server round trips through the
// server over 100 TLS connections, one request outstanding on each.
func BenchmarkStatus100Conns(b *testing.B) {
	r := newRig(b, nil)
	clients := make([]*Client, 100)
	for i := range clients {
		clients[i] = r.client(r.nasCert)
		if err := clients[i].Status(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/len(clients) + 1
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if _, err := c.Exchange(context.Background(), layeh.New(layeh.CodeStatusServer, []byte(Secret))); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
