//go:build !linux

package main

import "syscall"

// childProcAttr: elsewhere than Linux, nothing ties a child's life to ours.
func childProcAttr() *syscall.SysProcAttr { return nil }
