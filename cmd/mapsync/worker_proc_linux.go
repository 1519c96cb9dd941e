//go:build linux

package main

import "syscall"

// childProcAttr makes a worker started by this process (bench workers,
// the multi-worker test) die with it, so none is left polling a server
// that is gone.
func childProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
