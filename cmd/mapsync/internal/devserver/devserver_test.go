package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// testAttrs are the search attributes the mapsync workflows will use.
var testAttrs = map[string]enumspb.IndexedValueType{
	"MapsyncSync":     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"MapsyncObject":   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"MapsyncMode":     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"MapsyncPlanHash": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
}

const (
	testNamespace = "mapsync-test"
	testQueue     = "devserver-test"
)

func greetWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var out string
	err := workflow.ExecuteActivity(ctx, helloActivity, name).Get(ctx, &out)
	return out, err
}

func helloActivity(_ context.Context, name string) (string, error) { return "hello, " + name, nil }

// TestEmbeddedServer starts real servers (three starts in all): run a
// workflow, check namespaces, search attributes and the Web UI, then
// restart on the same file and on a copy of it.
func TestEmbeddedServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Temporal servers")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	dir := t.TempDir()
	logs := &recordingHandler{}
	opts := Options{
		DataDir:          dir,
		Port:             freePort(t),
		UIPort:           freePort(t),
		Namespace:        testNamespace,
		ExtraNamespaces:  []string{"second"},
		SearchAttributes: testAttrs,
		Logger:           slog.New(logs),
	}
	began := time.Now()
	srv, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("first start (new file) took %s", time.Since(began))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = srv.Stop()
		}
	})
	if srv.Namespace() != testNamespace {
		t.Errorf("Namespace() = %q, want %q", srv.Namespace(), testNamespace)
	}

	c := dial(ctx, t, srv.HostPort(), testNamespace)
	w := worker.New(c, testQueue, worker.Options{})
	w.RegisterWorkflow(greetWorkflow)
	w.RegisterActivity(helloActivity)
	if err := w.Start(); err != nil {
		t.Fatalf("worker start: %v", err)
	}

	var wfID, runID string
	t.Run("workflow with activity runs", func(t *testing.T) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:        "greet-1",
			TaskQueue: testQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporal.NewSearchAttributeKeyKeyword("MapsyncSync").ValueSet("demo"),
				temporal.NewSearchAttributeKeyKeyword("MapsyncPlanHash").ValueSet("abc123"),
			),
		}, greetWorkflow, "mapsync")
		if err != nil {
			t.Fatalf("ExecuteWorkflow: %v", err)
		}
		var got string
		if err := run.Get(ctx, &got); err != nil {
			t.Fatalf("workflow result: %v", err)
		}
		if got != "hello, mapsync" {
			t.Errorf("result = %q, want %q", got, "hello, mapsync")
		}
		wfID, runID = run.GetID(), run.GetRunID()
	})
	if wfID == "" {
		t.Fatal("no workflow ran; the remaining checks need one")
	}

	t.Run("namespaces have at least seven days retention", func(t *testing.T) {
		for _, ns := range []string{testNamespace, "second"} {
			assertRetention(ctx, t, c, ns)
		}
	})

	t.Run("search attributes", func(t *testing.T) {
		for _, ns := range []string{testNamespace, "second"} {
			resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
			if err != nil {
				t.Fatalf("ListSearchAttributes(%s): %v", ns, err)
			}
			for name, typ := range testAttrs {
				if got := resp.GetCustomAttributes()[name]; got != typ {
					t.Errorf("%s: attribute %s is %s, want %s", ns, name, got, typ)
				}
			}
		}
		// Registering again is a no-op; a new one is added; a type clash is refused.
		if err := RegisterSearchAttributes(ctx, c, testNamespace, testAttrs); err != nil {
			t.Errorf("registering the same attributes again: %v", err)
		}
		extra := map[string]enumspb.IndexedValueType{"MapsyncRunCount": enumspb.INDEXED_VALUE_TYPE_INT}
		if err := RegisterSearchAttributes(ctx, c, testNamespace, extra); err != nil {
			t.Errorf("adding MapsyncRunCount: %v", err)
		}
		clash := map[string]enumspb.IndexedValueType{"MapsyncSync": enumspb.INDEXED_VALUE_TYPE_INT}
		if err := RegisterSearchAttributes(ctx, c, testNamespace, clash); err == nil || !strings.Contains(err.Error(), "MapsyncSync") {
			t.Errorf("registering MapsyncSync as Int: err = %v, want a type clash", err)
		}
		// The readiness check is real: an unknown attribute never passes.
		short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
		err := waitSearchAttributesUsable(short, c, testNamespace, []string{"NoSuchAttribute"})
		cancelShort()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiting for an unknown attribute: err = %v, want a deadline", err)
		}
		// Visibility is written asynchronously: wait for the record.
		eventually(ctx, t, "workflow found by MapsyncSync", func() (bool, error) {
			resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Namespace: testNamespace,
				Query:     `MapsyncSync = "demo" AND MapsyncPlanHash = "abc123"`,
			})
			if err != nil {
				return false, err
			}
			for _, e := range resp.GetExecutions() {
				if e.GetExecution().GetWorkflowId() == wfID {
					return true, nil
				}
			}
			return false, nil
		})
	})

	t.Run("web UI serves HTML and proxies to our frontend", func(t *testing.T) {
		if !strings.HasPrefix(srv.UIURL(), "http://127.0.0.1:") {
			t.Fatalf("UIURL() = %q", srv.UIURL())
		}
		status, ctype, body := httpGet(ctx, t, srv.UIURL()+"/")
		if status != http.StatusOK || !strings.HasPrefix(ctype, "text/html") || !strings.Contains(strings.ToLower(body), "<html") {
			t.Errorf("GET / = %d %q, body starts %.80q", status, ctype, body)
		}
		eventually(ctx, t, "UI API lists the workflow", func() (bool, error) {
			status, _, body := httpGet(ctx, t, srv.UIURL()+"/api/v1/namespaces/"+testNamespace+"/workflows")
			if status != http.StatusOK {
				return false, errors.New(body)
			}
			var list struct {
				Executions []struct {
					Execution struct {
						WorkflowID string `json:"workflowId"`
					} `json:"execution"`
					Status string `json:"status"`
				} `json:"executions"`
			}
			if err := json.Unmarshal([]byte(body), &list); err != nil {
				return false, err
			}
			for _, e := range list.Executions {
				if e.Execution.WorkflowID == wfID {
					return e.Status == "WORKFLOW_EXECUTION_STATUS_COMPLETED", nil
				}
			}
			return false, nil
		})
	})

	t.Run("second server on the same data dir is refused", func(t *testing.T) {
		o := opts
		o.Port, o.UIPort = freePort(t), freePort(t)
		s2, err := Start(ctx, o)
		if err == nil {
			_ = s2.Stop()
			t.Fatal("Start on a data dir in use succeeded")
		}
		if !strings.Contains(err.Error(), "locked") {
			t.Errorf("err = %v, want a lock error", err)
		}
	})

	t.Run("taken ports are errors, not exits", func(t *testing.T) {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer taken.Close()
		port := taken.Addr().(*net.TCPAddr).Port

		o := Options{DataDir: t.TempDir(), Port: freePort(t), UIPort: port}
		if s, err := Start(ctx, o); err == nil {
			_ = s.Stop()
			t.Error("Start with the UI port taken succeeded")
		} else if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), "UI port") {
			t.Errorf("UI port taken: err = %v", err)
		}
		o = Options{DataDir: t.TempDir(), Port: port, DisableUI: true}
		if s, err := Start(ctx, o); err == nil {
			_ = s.Stop()
			t.Error("Start with the gRPC port taken succeeded")
		} else if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), "gRPC port") {
			t.Errorf("gRPC port taken: err = %v", err)
		}
	})

	// Stop in the documented order: worker, client, server.
	w.Stop()
	c.Close()
	logs.markStop()
	if err := srv.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	stopped = true
	if err := srv.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	for _, r := range logs.afterStop() {
		if r.Level < slog.LevelError {
			t.Errorf("logged during Stop: %s %s", r.Level, r.Message)
		} else {
			t.Logf("error logged during Stop (allowed): %s", r.Message)
		}
	}
	t.Logf("server log records before Stop: %d (warn or above)", logs.beforeStop())

	// The state is one file: no WAL or journal beside it once stopped.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != DefaultDBFile && e.Name() != "temporal.lock" {
			t.Errorf("unexpected file %s in the data dir after Stop", e.Name())
		}
	}
	copyDir := t.TempDir()
	copyFile(t, filepath.Join(dir, DefaultDBFile), filepath.Join(copyDir, DefaultDBFile))

	t.Run("restart on the same file keeps histories", func(t *testing.T) {
		o := opts
		o.Logger = slog.New(&recordingHandler{})
		began := time.Now()
		s, err := Start(ctx, o)
		if err != nil {
			t.Fatalf("restart: %v", err)
		}
		t.Logf("restart on the existing file took %s", time.Since(began))
		defer func() {
			if err := s.Stop(); err != nil {
				t.Errorf("Stop: %v", err)
			}
		}()
		assertCompleted(ctx, t, s.HostPort(), wfID, runID)
	})

	t.Run("a copy of the file is a complete state", func(t *testing.T) {
		o := Options{DataDir: copyDir, Port: freePort(t), DisableUI: true, Namespace: testNamespace,
			Logger: slog.New(&recordingHandler{})}
		s, err := Start(ctx, o)
		if err != nil {
			t.Fatalf("start on the copy: %v", err)
		}
		defer func() {
			if err := s.Stop(); err != nil {
				t.Errorf("Stop: %v", err)
			}
		}()
		if s.UIURL() != "" {
			t.Errorf("UIURL() = %q with the UI disabled", s.UIURL())
		}
		assertCompleted(ctx, t, s.HostPort(), wfID, runID)
	})
}

// assertCompleted checks that the workflow is found, completed, and that its
// result can still be read from its history.
func assertCompleted(ctx context.Context, t *testing.T, hostPort, wfID, runID string) {
	t.Helper()
	c := dial(ctx, t, hostPort, testNamespace)
	defer c.Close()
	desc, err := c.DescribeWorkflowExecution(ctx, wfID, runID)
	if err != nil {
		t.Fatalf("DescribeWorkflowExecution: %v", err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Errorf("status = %s, want COMPLETED", st)
	}
	var got string
	if err := c.GetWorkflow(ctx, wfID, runID).Get(ctx, &got); err != nil || got != "hello, mapsync" {
		t.Errorf("result from history = %q, %v", got, err)
	}
	assertRetention(ctx, t, c, testNamespace)
}

func assertRetention(ctx context.Context, t *testing.T, c client.Client, ns string) {
	t.Helper()
	resp, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err != nil {
		t.Fatalf("DescribeNamespace(%s): %v", ns, err)
	}
	if got := resp.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got < 7*24*time.Hour {
		t.Errorf("namespace %s retention = %s, want at least 7 days", ns, got)
	}
}

func dial(ctx context.Context, t *testing.T, hostPort, ns string) client.Client {
	t.Helper()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  hostPort,
		Namespace: ns,
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
	})
	if err != nil {
		t.Fatalf("dial %s: %v", hostPort, err)
	}
	return c
}

// eventually polls check until it reports true; it fails the test when ctx
// ends first. Only for state that is written asynchronously (visibility).
func eventually(ctx context.Context, t *testing.T, what string, check func() (bool, error)) {
	t.Helper()
	var lastErr error
	for {
		ok, err := check()
		if ok {
			return
		}
		lastErr = err
		select {
		case <-ctx.Done():
			t.Fatalf("%s: gave up (last error: %v)", what, lastErr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func httpGet(ctx context.Context, t *testing.T, url string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// recordingHandler counts server log records before and after Stop began
// and writes them to stderr. It never calls t.Log: stopped servers may
// still log from goroutines after the test ends.
type recordingHandler struct {
	mu       sync.Mutex
	stopping bool
	before   []slog.Level
	during   []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	if h.stopping {
		h.during = append(h.during, r.Clone())
	} else {
		h.before = append(h.before, r.Level)
	}
	h.mu.Unlock()
	return slog.NewTextHandler(os.Stderr, nil).Handle(ctx, r)
}

func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func (h *recordingHandler) markStop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopping = true
}

func (h *recordingHandler) beforeStop() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.before)
}

// afterStop returns the records logged since markStop.
func (h *recordingHandler) afterStop() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.during)
}
