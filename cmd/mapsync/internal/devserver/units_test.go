package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"

	"go.temporal.io/server/common/log/tag"
)

func TestOptionsValidate(t *testing.T) {
	good := Options{}.withDefaults()
	if err := good.validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if good.DataDir != ".mapsync" || good.Port != 7233 || good.UIPort != 8233 || good.Namespace != "default" || good.Retention != DefaultRetention {
		t.Errorf("unexpected defaults: %+v", good)
	}
	bad := Options{DataDir: "data?x", Host: "0.0.0.0", Port: 70000, UIPort: 70000, ExtraNamespaces: []string{""}}.withDefaults()
	err := bad.validate()
	for _, want := range []string{"data?x", "0.0.0.0", "port 70000", "UI port 70000", "both 70000", "empty namespace"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validate() = %v, want it to mention %q", err, want)
		}
	}
	if got := (Options{Namespace: "a", ExtraNamespaces: []string{"b", "a", "b"}}).namespaces(); strings.Join(got, ",") != "a,b" {
		t.Errorf("namespaces() = %v, want [a b]", got)
	}
}

func TestChoosePortsSkipsTakenAndAvoided(t *testing.T) {
	// Find a port p with p+1 free too, and hold p+1.
	var frontend int
	var held net.Listener
	for range 20 {
		p := freePort(t)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+1)))
		if err == nil {
			frontend, held = p, l
			break
		}
	}
	if held == nil {
		t.Skip("found no two adjacent free ports")
	}
	defer held.Close()

	ports, err := choosePorts("127.0.0.1", frontend, frontend+2)
	if err != nil {
		t.Fatalf("choosePorts: %v", err)
	}
	seen := map[int]bool{}
	for _, p := range []int{ports.frontend, ports.history, ports.matching, ports.worker} {
		if p == frontend+1 || p == frontend+2 || seen[p] || p < frontend || p > frontend+portSearchWindow {
			t.Errorf("bad port choice %+v (frontend %d, %d held, %d avoided)", ports, frontend, frontend+1, frontend+2)
			break
		}
		seen[p] = true
	}

	// The frontend port itself taken is an ErrPortInUse.
	if _, err := choosePorts("127.0.0.1", frontend+1); !errors.Is(err, ErrPortInUse) {
		t.Errorf("choosePorts on a held port: err = %v, want ErrPortInUse", err)
	}
}

func TestServerLoggerLevelsAndQuiet(t *testing.T) {
	h := &recordingHandler{}
	l := newServerLogger(slog.New(h), slog.LevelWarn)
	derived := l.With(tag.NewStringTag("service", "history"))

	l.Info("chatty info")
	l.Warn("HTTP API port has not been set. Nexus HTTP endpoints will not be available.")
	l.Warn("real warning")
	derived.Error("real error")
	h.markStop()
	l.silence()
	derived.Warn("shutdown warning")
	l.Error("cancelled by shutdown", tag.Error(fmt.Errorf("UpdateTaskQueue failed: %w", context.Canceled)))
	l.Error("cancelled by shutdown, as text", tag.Error(errors.New("Failed to start transaction. Error: context canceled")))
	derived.Error("error during shutdown")

	if got := h.beforeStop(); got != 2 {
		t.Errorf("%d records before stop, want 2 (the real warning and error)", got)
	}
	var during []string
	for _, r := range h.afterStop() {
		during = append(during, r.Message)
	}
	if strings.Join(during, "|") != "error during shutdown" {
		t.Errorf("records after silence = %q, want only the real error", during)
	}
}
