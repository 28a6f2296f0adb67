package gqlws

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeSocket records what is written. With block set, every data write
// waits until block is closed or the socket is.
type fakeSocket struct {
	block   chan struct{}
	started chan struct{} // one value per write that began

	mu      sync.Mutex
	written []string
	control []string

	closeOnce sync.Once
	closed    chan struct{}
}

func newFakeSocket(block bool) *fakeSocket {
	f := &fakeSocket{started: make(chan struct{}, 100), closed: make(chan struct{})}
	if block {
		f.block = make(chan struct{})
	}
	return f
}

func describe(typ int, data []byte) string {
	if typ == websocket.CloseMessage {
		code, reason := 0, ""
		if len(data) >= 2 {
			code = int(data[0])<<8 | int(data[1])
			reason = string(data[2:])
		}
		return fmt.Sprintf("close %d %s", code, reason)
	}
	return string(data)
}

func (f *fakeSocket) WriteMessage(typ int, data []byte) error {
	f.started <- struct{}{}
	if f.block != nil {
		select {
		case <-f.block:
		case <-f.closed:
			return net.ErrClosed
		}
	}
	select {
	case <-f.closed:
		return net.ErrClosed
	default:
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.written = append(f.written, describe(typ, data))
	return nil
}

func (f *fakeSocket) WriteControl(typ int, data []byte, _ time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.control = append(f.control, describe(typ, data))
	return nil
}

func (f *fakeSocket) NextReader() (int, io.Reader, error) {
	<-f.closed
	return 0, nil, net.ErrClosed
}

func (f *fakeSocket) SetWriteDeadline(time.Time) error { return nil }
func (f *fakeSocket) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeSocket) SetReadLimit(int64)               {}
func (f *fakeSocket) Subprotocol() string              { return ProtocolGraphQLTransportWS }
func (f *fakeSocket) Close() error {
	f.closeOnce.Do(func() { close(f.closed) })
	return nil
}

func (f *fakeSocket) snapshot() (written, control []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.written), slices.Clone(f.control)
}

func waitClosed(t *testing.T, f *fakeSocket) {
	t.Helper()
	select {
	case <-f.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("socket not closed")
	}
}

func waitGoroutines(t *testing.T, atMost int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > atMost {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d, want at most %d\n%s", runtime.NumGoroutine(), atMost, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Not parallel: counts goroutines.
func TestStalledClientOverflowsQueue(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFakeSocket(true)
	c := newConn(f, testLogger(t), 2, time.Minute)

	if err := c.WriteJSON(1); err != nil {
		t.Fatal(err)
	}
	<-f.started // the writer holds message 1, stuck on the socket
	for i := 2; i <= 3; i++ {
		if err := c.WriteJSON(i); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	start := time.Now()
	if err := c.WriteJSON(4); !errors.Is(err, ErrSlowClient) {
		t.Fatalf("message 4: got %v, want %v", err, ErrSlowClient)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("overflowing write took %v; writes must not wait for the socket", d)
	}
	waitClosed(t, f)
	if _, control := f.snapshot(); !slices.Equal(control, []string{"close 1013 client too slow"}) {
		t.Errorf("control frames %q, want the 1013 close", control)
	}
	if err := c.WriteJSON(5); !errors.Is(err, ErrSlowClient) {
		t.Errorf("after overflow: got %v, want %v", err, ErrSlowClient)
	}
	if err := c.WriteClose(1000, "bye"); !errors.Is(err, ErrSlowClient) {
		t.Errorf("close after overflow: got %v, want %v", err, ErrSlowClient)
	}
	_ = c.Close()
	waitGoroutines(t, before)
}

func TestCloseFlushesQueuedFramesInOrder(t *testing.T) {
	t.Parallel()
	f := newFakeSocket(false)
	c := newConn(f, testLogger(t), 8, time.Minute)
	for _, v := range []string{"a", "b"} {
		if err := c.WriteJSON(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.WriteClose(CloseUnauthorized, "missing or invalid API key"); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteJSON("c"); !errors.Is(err, websocket.ErrCloseSent) {
		t.Errorf("write after close frame: got %v, want %v", err, websocket.ErrCloseSent)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, f)
	written, _ := f.snapshot()
	if want := []string{`"a"`, `"b"`, "close 4401 missing or invalid API key"}; !slices.Equal(written, want) {
		t.Errorf("written %q, want %q", written, want)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestCloseGivesUpOnStalledSocket(t *testing.T) {
	t.Parallel()
	f := newFakeSocket(true)
	const timeout = 50 * time.Millisecond
	c := newConn(f, testLogger(t), 8, timeout)
	if err := c.WriteJSON("stuck"); err != nil {
		t.Fatal(err)
	}
	<-f.started
	start := time.Now()
	_ = c.Close()
	if d := time.Since(start); d < timeout || d > timeout+time.Second {
		t.Errorf("Close took %v, want about %v", d, timeout)
	}
	waitClosed(t, f)
}

func TestWriteFailureClosesSocket(t *testing.T) {
	t.Parallel()
	f := newFakeSocket(false)
	c := newConn(f, testLogger(t), 8, time.Minute)
	_ = f.Close() // the peer vanished: writes fail
	_ = c.WriteJSON("lost")
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := c.WriteJSON("next")
		if errors.Is(err, net.ErrClosed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writes still accepted after the socket failed: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLongCloseReasonIsTruncated(t *testing.T) {
	t.Parallel()
	f := newFakeSocket(false)
	c := newConn(f, testLogger(t), 8, time.Minute)
	long := make([]byte, 200)
	for i := range long {
		long[i] = 'r'
	}
	if err := c.WriteClose(CloseForbidden, string(long)); err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	written, _ := f.snapshot()
	if len(written) != 1 || len(written[0]) != len("close 4403 ")+123 {
		t.Errorf("written %q, want one close frame with a 123-byte reason", written)
	}
}
