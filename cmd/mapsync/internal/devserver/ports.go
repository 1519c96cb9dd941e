package devserver

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
)

// internalPortCount is how many ports the services need besides the
// frontend gRPC port: gRPC for history, matching and worker. Membership is
// static (see serverOptions), so there are no ringpop ports.
const internalPortCount = 3

// portSearchWindow bounds how far above the frontend port internal ports
// are looked for.
const portSearchWindow = 100

// servicePorts are the ports of one embedded server.
type servicePorts struct {
	frontend, history, matching, worker int
}

// ErrPortInUse is wrapped by Start's error when a port it needs is taken.
var ErrPortInUse = errors.New("port already in use")

// checkPortFree binds host:port and releases it at once. It tells whether a
// listener started right after would succeed (another process could still
// take the port in between).
func checkPortFree(host string, port int) error {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%s: %w", addr, ErrPortInUse)
		}
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	if err := l.Close(); err != nil {
		return fmt.Errorf("releasing %s: %w", addr, err)
	}
	return nil
}

// choosePorts checks the frontend port and takes the first free ports above
// it for the internal services, skipping the ports in avoid (the UI port).
// With the default 7233 and nothing else running that is 7234..7236.
func choosePorts(host string, frontend int, avoid ...int) (servicePorts, error) {
	if err := checkPortFree(host, frontend); err != nil {
		return servicePorts{}, fmt.Errorf("gRPC port %d: %w", frontend, err)
	}
	skip := map[int]bool{frontend: true}
	for _, p := range avoid {
		skip[p] = true
	}
	var found []int
	for p := frontend + 1; p <= frontend+portSearchWindow && p <= 65535 && len(found) < internalPortCount; p++ {
		if skip[p] || checkPortFree(host, p) != nil {
			continue
		}
		found = append(found, p)
	}
	if len(found) < internalPortCount {
		return servicePorts{}, fmt.Errorf("found only %d of the %d free ports the internal services need in %d..%d on %s",
			len(found), internalPortCount, frontend+1, frontend+portSearchWindow, host)
	}
	return servicePorts{frontend: frontend, history: found[0], matching: found[1], worker: found[2]}, nil
}
