package bench

import (
	"context"
	"syscall"
	"time"
)

// cpuTimes is the process's CPU time so far: user and system.
type cpuTimes struct {
	user, sys time.Duration
}

// processCPU reads getrusage(RUSAGE_SELF) for the whole process: every
// goroutine of the host, the simulated network and the load generator
// when they run in-process. Zero when unavailable.
func processCPU() cpuTimes {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return cpuTimes{}
	}
	return cpuTimes{user: time.Duration(ru.Utime.Nano()), sys: time.Duration(ru.Stime.Nano())}
}

// sub returns c - o.
func (c cpuTimes) sub(o cpuTimes) cpuTimes {
	return cpuTimes{user: c.user - o.user, sys: c.sys - o.sys}
}

// cpuFrom reads the process's CPU time, and that of the watched
// processes, at from (the end of the warm-up) in the background; the
// function it returns waits for that reading and returns the process's CPU
// time used since, with the watched processes' readings at from and now.
func cpuFrom(ctx context.Context, from time.Time, watch []Watch) func() (cpuTimes, watchedCPU, watchedCPU) {
	var start cpuTimes
	var wstart watchedCPU
	read := make(chan struct{})
	go func() {
		defer close(read)
		sleepUntil(ctx, from)
		start = processCPU()
		wstart = readWatched(watch)
	}()
	return func() (cpuTimes, watchedCPU, watchedCPU) {
		<-read
		now := processCPU()
		return now.sub(start), wstart, readWatched(watch)
	}
}
