package devserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// webUI is the Temporal Web UI serving on host:port and talking to the
// frontend at grpcAddr.
type webUI struct {
	srv  *uiserver.Server
	url  string
	done chan struct{} // closed when Start has returned
	err  error         // Start's result, set before done is closed
}

// startUI starts the Web UI and waits until it answers. The caller must
// have checked that the port is free: ui-server's Start exits the process
// when it cannot listen.
func startUI(ctx context.Context, host string, port int, grpcAddr, namespace string) (*webUI, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	url := "http://" + addr
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: grpcAddr,
		Host:                host,
		Port:                port,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		HideLogs:            true, // no per-request log lines
		DisableNewsFetch:    true, // no outbound calls
		CORS: uiconfig.CORS{
			AllowOrigins: []string{url, "http://localhost:" + strconv.Itoa(port)},
			// Plain HTTP on loopback: a Secure CSRF cookie would not come back.
			CookieInsecure: true,
		},
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("web UI config: %w", err)
	}
	ui := &webUI{
		srv:  uiserver.NewServer(server_options.WithConfigProvider(cfg)),
		url:  url,
		done: make(chan struct{}),
	}
	go func() {
		defer close(ui.done)
		ui.err = ui.srv.Start()
	}()
	if err := ui.waitReady(ctx); err != nil {
		ui.stop()
		return nil, fmt.Errorf("web UI on %s: %w", addr, err)
	}
	return ui, nil
}

// stop closes the UI's listener and waits for Start to return.
func (u *webUI) stop() {
	u.srv.Stop()
	<-u.done
}

// waitReady polls the health route until it answers 200, Start returns, or
// ctx ends.
func (u *webUI) waitReady(ctx context.Context) error {
	url := u.url + "/healthz"
	hc := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-u.done:
			return fmt.Errorf("UI server stopped before answering (%v)", u.err)
		case <-ctx.Done():
			return fmt.Errorf("no answer from %s: %w", url, ctx.Err())
		case <-tick.C:
		}
	}
}
