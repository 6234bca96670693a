package hotspots

import "math"

// kdTree finds the venues nearest a point. Points are unit vectors on the
// sphere, so the straight-line (chord) distance orders them exactly as the
// great-circle distance does, with no special cases at the antimeridian or
// the poles. The tree is implicit: the median of pts[lo:hi] sits at the
// middle index, split on axis depth%3.
type kdTree struct {
	pts []kdPoint
}

type kdPoint struct {
	p   [3]float64
	idx int32 // index into the venue snapshot's list
}

func unitVector(lat, lon float64) [3]float64 {
	const rad = math.Pi / 180
	cl := math.Cos(lat * rad)
	return [3]float64{cl * math.Cos(lon*rad), cl * math.Sin(lon*rad), math.Sin(lat * rad)}
}

func buildKDTree(pts []kdPoint) kdTree {
	var build func(lo, hi, depth int)
	build = func(lo, hi, depth int) {
		if hi-lo <= 1 {
			return
		}
		mid := (lo + hi) / 2
		selectNth(pts[lo:hi], mid-lo, depth%3)
		build(lo, mid, depth+1)
		build(mid+1, hi, depth+1)
	}
	build(0, len(pts), 0)
	return kdTree{pts: pts}
}

// selectNth reorders pts so that pts[n] has the value it would have if
// sorted on axis, with nothing greater before it and nothing smaller after.
func selectNth(pts []kdPoint, n, axis int) {
	lo, hi := 0, len(pts)-1
	for lo < hi {
		pivot := pts[(lo+hi)/2].p[axis]
		i, j := lo, hi
		for i <= j {
			for pts[i].p[axis] < pivot {
				i++
			}
			for pts[j].p[axis] > pivot {
				j--
			}
			if i <= j {
				pts[i], pts[j] = pts[j], pts[i]
				i++
				j--
			}
		}
		switch {
		case n <= j:
			hi = j
		case n >= i:
			lo = i
		default:
			return
		}
	}
}

// kdHit is a candidate: venue index and squared chord distance.
type kdHit struct {
	idx int32
	d2  float64
}

// nearest returns up to k points nearest q that keep accepts, nearest
// first.
func (t kdTree) nearest(q [3]float64, k int, keep func(idx int32) bool) []kdHit {
	if k <= 0 || len(t.pts) == 0 {
		return nil
	}
	h := make(maxHeap, 0, k)
	var search func(lo, hi, depth int)
	search = func(lo, hi, depth int) {
		if lo >= hi {
			return
		}
		mid := (lo + hi) / 2
		pt := &t.pts[mid]
		if keep == nil || keep(pt.idx) {
			d := sq(pt.p[0]-q[0]) + sq(pt.p[1]-q[1]) + sq(pt.p[2]-q[2])
			h.offer(kdHit{pt.idx, d}, k)
		}
		axis := depth % 3
		diff := q[axis] - pt.p[axis]
		near, far := [2]int{lo, mid}, [2]int{mid + 1, hi}
		if diff > 0 {
			near, far = far, near
		}
		search(near[0], near[1], depth+1)
		if len(h) < k || diff*diff < h[0].d2 {
			search(far[0], far[1], depth+1)
		}
	}
	search(0, len(t.pts), 0)
	out := make([]kdHit, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = h.pop()
	}
	return out
}

func sq(x float64) float64 { return x * x }

// maxHeap keeps the k best hits with the worst on top.
type maxHeap []kdHit

func (h *maxHeap) offer(x kdHit, k int) {
	if len(*h) < k {
		*h = append(*h, x)
		h.up(len(*h) - 1)
		return
	}
	if x.d2 < (*h)[0].d2 {
		(*h)[0] = x
		h.down(0)
	}
}

func (h *maxHeap) pop() kdHit {
	old := *h
	top := old[0]
	old[0] = old[len(old)-1]
	*h = old[:len(old)-1]
	h.down(0)
	return top
}

func (h maxHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].d2 >= h[i].d2 {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (h maxHeap) down(i int) {
	for {
		l, big := 2*i+1, i
		if l < len(h) && h[l].d2 > h[big].d2 {
			big = l
		}
		if r := l + 1; r < len(h) && h[r].d2 > h[big].d2 {
			big = r
		}
		if big == i {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}
