package graph_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/graph"
	"github.com/intalos/integrations/internal/cputime"
	"github.com/intalos/integrations/internal/gqlws"
)

const benchSubscribers = 10_000

// BenchmarkSubscribers10k: 10,000 websocket connections, each with a
// messageEvents subscription on one integration, held by a child process
// so that this process's memory is the server's alone. Each iteration
// writes one message; the child reports when the last subscriber got it.
// The child shares the machine's cores, so it is kept cheap: one
// goroutine per connection reads each frame into a reused buffer, takes
// the time, and finds the message type and the iteration (the message's
// text) with byte searches instead of decoding JSON.
//
// Metrics: all-p50-ms/all-p99-ms, from the write (its commit included) to
// its delivery to every subscriber; each-p99-ms, to a single subscriber;
// B/subscriber, server heap and stacks per idle subscription (connection
// included), after one collection; server-cpu-ms/op and client-cpu-ms/op,
// the CPU time each process spends per message (on two cores, their sum
// over two bounds how soon the last subscriber can have it). INTALOS_BENCH_HEAPPROFILE and
// INTALOS_BENCH_CPUPROFILE name files for the server's heap profile of the
// idle subscribers and its CPU profile of the iterations;
// INTALOS_BENCH_CLIENT_CPUPROFILE, for the client process's.
func BenchmarkSubscribers10k(b *testing.B) {
	n := benchSubscribers
	if s := os.Getenv("INTALOS_BENCH_SUBSCRIBERS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	e, live := newLiveEnv(b, testdb.SQLite(b), graph.HandlerConfig{})
	w := e.world("A", "100000001")
	base := memInUse()

	args := []string{"-test.run=^TestBenchClients$"}
	if path := os.Getenv("INTALOS_BENCH_CLIENT_CPUPROFILE"); path != "" {
		args = append(args, "-test.cpuprofile="+path)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(),
		"INTALOS_BENCH_CLIENTS="+strconv.Itoa(n),
		"INTALOS_BENCH_URL="+wsURL(e.srv.URL),
		"INTALOS_BENCH_KEY="+w.key,
		"INTALOS_BENCH_INTEGRATION="+gid("Integration", w.integration.ID))
	stdin, err := cmd.StdinPipe()
	must2(b, err)
	stdout, err := cmd.StdoutPipe()
	must2(b, err)
	cmd.Stderr = os.Stderr
	must2(b, cmd.Start())
	defer func() {
		stdin.Close() // the child exits when its stdin closes
		cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	live.await(b, n)
	time.Sleep(time.Second) // let every connection go idle
	perSub := float64(memInUse()-base) / float64(n)
	if path := os.Getenv("INTALOS_BENCH_HEAPPROFILE"); path != "" {
		writeHeapProfile(b, path)
	}

	if path := os.Getenv("INTALOS_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		must2(b, err)
		must2(b, pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}

	var all, each []time.Duration
	var clientCPU []int64
	i := 0
	cpu := cputime.Process()
	for b.Loop() {
		i++
		start := time.Now()
		must2(b, e.db.Client.Message.Create().SetAccountID(w.account).SetIntegrationID(w.integration.ID).
			SetConversationID(w.conversation.ID).SetDirection(message.DirectionOUTBOUND).SetType("text").
			SetText(strconv.Itoa(i)).SetStatus(message.StatusQUEUED).Exec(sys()))
		for {
			if !lines.Scan() {
				b.Fatalf("the client process ended: %v", lines.Err())
			}
			var rep benchReport
			if json.Unmarshal(lines.Bytes(), &rep) != nil || rep.Iteration != i {
				continue
			}
			all = append(all, time.Unix(0, rep.Last).Sub(start))
			each = append(each, time.Unix(0, rep.P99).Sub(start))
			clientCPU = append(clientCPU, rep.CPU)
			break
		}
	}
	b.StopTimer()
	cpu = cputime.Process() - cpu
	b.ReportMetric(ms(cpu)/float64(i), "server-cpu-ms/op")
	if len(clientCPU) > 1 {
		b.ReportMetric(ms(time.Duration(clientCPU[len(clientCPU)-1]-clientCPU[0]))/float64(len(clientCPU)-1), "client-cpu-ms/op")
	}
	b.ReportMetric(ms(percentile(all, 50)), "all-p50-ms")
	b.ReportMetric(ms(percentile(all, 99)), "all-p99-ms")
	b.ReportMetric(ms(percentile(each, 99)), "each-p99-ms")
	b.ReportMetric(perSub, "B/subscriber")
}

// benchReport is the client process's line per iteration.
type benchReport struct {
	Iteration int   `json:"i"`
	Last, P99 int64 // unix nanoseconds: the last subscriber's receipt, the 99th percentile's
	CPU       int64 // nanoseconds of CPU the client process has used
}

// TestBenchClients is the client side of BenchmarkSubscribers10k, run in
// a child process; it is skipped otherwise.
func TestBenchClients(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("INTALOS_BENCH_CLIENTS"))
	if n == 0 {
		t.Skip("the client process of BenchmarkSubscribers10k")
	}
	url, key, integration := os.Getenv("INTALOS_BENCH_URL"), os.Getenv("INTALOS_BENCH_KEY"), os.Getenv("INTALOS_BENCH_INTEGRATION")
	var (
		mu    sync.Mutex
		recvd = map[int][]int64{}
		out   = json.NewEncoder(os.Stdout)
	)
	receive := func(iter int, at int64) {
		mu.Lock()
		defer mu.Unlock()
		recvd[iter] = append(recvd[iter], at)
		if len(recvd[iter]) == n {
			ts := recvd[iter]
			slices.Sort(ts)
			_ = out.Encode(benchReport{Iteration: iter, Last: ts[n-1], P99: ts[(n-1)*99/100], CPU: int64(cputime.Process())})
			delete(recvd, iter)
		}
	}
	query, _ := json.Marshal(map[string]any{
		"query":     `subscription($i: ID!) { messageEvents(integrationId: $i) { kind message { text } } }`,
		"variables": map[string]any{"i": integration},
	})
	dialer := websocket.Dialer{Subprotocols: []string{gqlws.ProtocolGraphQLTransportWS}, HandshakeTimeout: 30 * time.Second,
		ReadBufferSize: 1024, WriteBufferSize: 1024}
	sem := make(chan struct{}, 64)
	var conns sync.WaitGroup
	for range n {
		sem <- struct{}{}
		var conn *websocket.Conn
		var err error
		for try := 0; try < 5; try++ {
			if conn, _, err = dialer.Dial(url, nil); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		conns.Go(func() {
			defer conn.Close()
			_ = conn.WriteJSON(wsMsg{Type: "connection_init", Payload: json.RawMessage(`{"apiKey":"` + key + `"}`)})
			_ = conn.WriteJSON(wsMsg{ID: "1", Type: "subscribe", Payload: query})
			<-sem
			var msg bytes.Buffer
			for {
				_, r, err := conn.NextReader()
				if err != nil {
					return
				}
				msg.Reset()
				if _, err := msg.ReadFrom(r); err != nil {
					return
				}
				at := time.Now().UnixNano()
				switch b := msg.Bytes(); {
				case bytes.Contains(b, []byte(`"type":"next"`)):
					receive(benchIteration(b), at)
				case bytes.Contains(b, []byte(`"type":"ping"`)):
					_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"pong"}`))
				}
			}
		})
	}
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark ends
	// Returning ends the process (and writes a CPU profile) without
	// waiting for the connections.
}

// benchIteration reads the iteration number, the message text, out of a
// "next" message: {..."message":{"text":"12"}}}}}.
func benchIteration(msg []byte) int {
	const key = `"text":"`
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return -1
	}
	v := msg[i+len(key):]
	end := bytes.IndexByte(v, '"')
	if end < 0 {
		return -1
	}
	n, err := strconv.Atoi(string(v[:end]))
	if err != nil {
		return -1
	}
	return n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

// memInUse is heap plus goroutine stacks after a collection.
func memInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// writeHeapProfile writes the server's live heap, to see what idle
// subscriptions hold.
func writeHeapProfile(tb testing.TB, path string) {
	f, err := os.Create(path)
	must2(tb, err)
	defer f.Close()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	tb.Logf("goroutines %d, stacks %d B, heap %d B", runtime.NumGoroutine(), m.StackInuse, m.HeapAlloc)
	must2(tb, pprof.Lookup("heap").WriteTo(f, 0))
}

func must2(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
