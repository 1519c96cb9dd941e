package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

func TestDevFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"dev", "--help"}, &out, &errOut); code != exitOK {
		t.Fatalf("dev --help exited %d: %s", code, errOut.String())
	}
	for _, want := range []string{"--data-dir", "--port", "--ui-port", "--no-ui", "--namespace", "--temporal", "--sandbox", "SQLite", "--metrics"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dev --help does not mention %s", want)
		}
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"dev", "--temporal", "127.0.0.1:7233", "--no-ui"}, &out, &errOut); code != exitUsage {
		t.Errorf("--temporal with --no-ui exited %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errOut.String(), "--no-ui") {
		t.Errorf("stderr = %q, want it to name --no-ui", errOut.String())
	}
}

// TestDevCommand runs `mapsync dev` with the embedded server (one server
// start), then a second instance against it with --temporal.
func TestDevCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	dir := t.TempDir()
	devCtx, stopDev := context.WithCancel(ctx)
	var stdout, stderr devSyncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runDev(devCtx, devConfig{
			dataDir: dir, port: devFreePort(t), uiPort: devFreePort(t), namespace: "default", sandbox: true,
			metrics: "127.0.0.1:0",
		}, &stdout, &stderr)
	}()
	info := devWaitOutput(ctx, t, &stdout, done, "Running;")

	hostPort := devInfoField(info, "Temporal gRPC:")
	uiURL := devInfoField(info, "Web UI:")
	if devInfoField(info, "Namespace:") != "default" || devInfoField(info, "Data:") != filepath.Join(dir, "temporal.db") {
		t.Errorf("unexpected info:\n%s", info)
	}

	c, err := client.DialContext(ctx, client.Options{HostPort: hostPort, Namespace: "default"})
	if err != nil {
		t.Fatalf("dial %s: %v", hostPort, err)
	}
	defer c.Close()
	served := false
	for i := 0; i < 50 && !served; i++ {
		pollers, err := recentPollers(ctx, c, "default")
		if err != nil {
			t.Fatal(err)
		}
		served = len(pollers) > 0
		if !served {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !served {
		t.Errorf("no worker polls the mapsync queue; stderr:\n%s", stderr.String())
	}
	ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if r := ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); r < 7*24*time.Hour {
		t.Errorf("retention = %s, want at least 7 days", r)
	}
	sa, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for name, typ := range mapsyncSearchAttributes() {
		if got := sa.GetCustomAttributes()[name]; got != typ {
			t.Errorf("search attribute %s = %s, want %s", name, got, typ)
		}
	}
	resp, err := http.Get(uiURL)
	if err != nil {
		t.Fatalf("GET %s: %v", uiURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s = %d", uiURL, resp.StatusCode)
	}

	// The worker's /metrics: the process's and the Temporal SDK's series
	// (the SDK's scope reports every second: poll for them).
	metricsURL := devInfoField(info, "Metrics:")
	if !strings.HasPrefix(metricsURL, "http://127.0.0.1:") || !strings.HasSuffix(metricsURL, "/metrics") {
		t.Errorf("Metrics: %q", metricsURL)
	} else {
		var body string
		for i := 0; i < 50 && !strings.Contains(body, "\ntemporal_"); i++ {
			if i > 0 {
				time.Sleep(200 * time.Millisecond)
			}
			body = "\n" + devGet(t, metricsURL)
		}
		for _, want := range []string{"\ngo_goroutines", "\ntemporal_"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s has no %s series:\n%.2000s", metricsURL, want[1:], body)
			}
		}
		if strings.Contains(stderr.String(), "not exported") {
			t.Errorf("some Temporal SDK metrics are not exported:\n%s", stderr.String())
		}
	}

	t.Run("--temporal uses the running cluster", func(t *testing.T) {
		extCtx, stopExt := context.WithCancel(ctx)
		defer stopExt()
		var out, errOut devSyncBuffer
		extDone := make(chan error, 1)
		go func() {
			extDone <- runDev(extCtx, devConfig{temporal: hostPort, namespace: "default"}, &out, &errOut)
		}()
		got := devWaitOutput(ctx, t, &out, extDone, "Running;")
		if !strings.Contains(got, hostPort+" (existing cluster)") || strings.Contains(got, "Data:") || devInfoField(got, "Metrics:") != "(disabled)" {
			t.Errorf("unexpected info:\n%s", got)
		}
		stopExt()
		if err := <-extDone; err != nil {
			t.Errorf("runDev --temporal: %v", err)
		}

		err := runDev(ctx, devConfig{temporal: hostPort, namespace: "no-such-namespace"}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "no-such-namespace") {
			t.Errorf("missing namespace: err = %v", err)
		}
	})

	stopDev()
	if err := <-done; err != nil {
		t.Errorf("runDev: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "temporal.db")); err != nil {
		t.Errorf("no SQLite file after the run: %v", err)
	}
}

// devWaitOutput waits until buf contains want (returning buf's text), failing
// the test if the command returns or ctx ends first.
func devWaitOutput(ctx context.Context, t *testing.T, buf *devSyncBuffer, done chan error, want string) string {
	t.Helper()
	for {
		if s := buf.String(); strings.Contains(s, want) {
			return s
		}
		select {
		case err := <-done:
			t.Fatalf("command returned before printing %q: %v\noutput:\n%s", want, err, buf.String())
		case <-ctx.Done():
			t.Fatalf("no %q in output:\n%s", want, buf.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// devInfoField returns the value after label on its line of the info block.
func devInfoField(info, label string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, label); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func devFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	n, _ := strconv.Atoi(port)
	return n
}

// devSyncBuffer is a bytes.Buffer safe for one writer goroutine and a reader.
type devSyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *devSyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *devSyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func devGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	return b.String()
}
