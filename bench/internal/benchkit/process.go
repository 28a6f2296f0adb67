package benchkit

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BuildServer compiles the server binary into dir and returns its path.
func BuildServer(dir string) (string, error) {
	bin := filepath.Join(dir, "intalos")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/intalos/integrations/server").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./server: %v\n%s", err, out)
	}
	return bin, nil
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Process is a child process serving HTTP on Addr.
type Process struct {
	Addr   string
	cmd    *exec.Cmd
	exited chan error
	stdout *lockedBuffer
	stderr *lockedBuffer
}

// Base is the process's base URL.
func (p *Process) Base() string { return "http://" + p.Addr }

// Stdout is what the process printed so far.
func (p *Process) Stdout() string { return p.stdout.String() }

// Stderr is what the process logged so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Start runs bin with args and env (added to this process's environment)
// and waits until GET healthPath on addr answers 200.
func Start(bin string, args []string, env map[string]string, addr, healthPath string) (*Process, error) {
	p := &Process{Addr: addr, exited: make(chan error, 1), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = os.Environ()
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.exited <- p.cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			return nil, fmt.Errorf("%s exited: %v\n%s", filepath.Base(bin), err, p.stderr.String())
		default:
		}
		resp, err := http.Get(p.Base() + healthPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.Stop()
	return nil, fmt.Errorf("%s not healthy within 60s\n%s", filepath.Base(bin), p.stderr.String())
}

// Stop sends SIGTERM and waits up to 20s for the process to end, then
// kills it.
func (p *Process) Stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// RSS is the process's resident memory in bytes, from /proc.
func (p *Process) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", p.Pid())
}

var apiKeyPattern = regexp.MustCompile(`ik_[A-Za-z0-9_-]{20,}`)

// FirstAPIKey is the API key the server printed on its first start.
func (p *Process) FirstAPIKey() (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if k := apiKeyPattern.FindString(p.Stdout()); k != "" {
			return k, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "", fmt.Errorf("the server printed no API key:\n%s", p.Stdout())
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
