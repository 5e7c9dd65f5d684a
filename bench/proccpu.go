package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// Watch names other processes whose CPU time a load run reports beside
// its own: an external host (posguard serve), simnet, the database
// server's backends. The CPU of all PIDs is summed under Name.
type Watch struct {
	Name string
	PIDs []int
}

// ParseWatch reads NAME=PID[+PID…], the form of bench's --watch flag.
func ParseWatch(s string) (Watch, error) {
	name, list, ok := strings.Cut(s, "=")
	if !ok || name == "" || list == "" {
		return Watch{}, posguard.Errorf(posguard.EINVALID, "--watch %q: want NAME=PID[+PID…]", s)
	}
	w := Watch{Name: name}
	for _, p := range strings.Split(list, "+") {
		pid, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || pid <= 0 {
			return Watch{}, posguard.Errorf(posguard.EINVALID, "--watch %q: %q is not a process id", s, p)
		}
		w.PIDs = append(w.PIDs, pid)
	}
	return w, nil
}

// ProcessCPU is a watched group of processes' CPU time over a run's
// measured span.
type ProcessCPU struct {
	Name            string  `json:"name"`
	PIDs            []int   `json:"pids"`
	CPUUserSeconds  float64 `json:"cpu_user_s"`
	CPUSysSeconds   float64 `json:"cpu_sys_s"`
	CPUPerTxnMicros float64 `json:"cpu_per_txn_us"`
	// Error says why the figures are missing (a process ended during the
	// run, or /proc is not there).
	Error string `json:"error,omitempty"`
}

// userHZ is the unit of the times in /proc/PID/stat (USER_HZ, 100 on
// every Linux architecture Go supports; the kernel converts to it).
const userHZ = 100

// procCPU reads utime and stime of pid from /proc/PID/stat.
func procCPU(pid int) (cpuTimes, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTimes{}, err
	}
	return parseProcStat(string(b))
}

// parseProcStat reads fields 14 and 15 (utime, stime) of a /proc/PID/stat
// line. The command name (field 2) is in parentheses and may hold spaces
// or parentheses itself, so the fields are counted from the last ')'.
func parseProcStat(s string) (cpuTimes, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return cpuTimes{}, fmt.Errorf("/proc stat: no command name")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	if len(f) < 13 {
		return cpuTimes{}, fmt.Errorf("/proc stat: %d fields after the command name", len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return cpuTimes{}, fmt.Errorf("/proc stat: utime %q, stime %q", f[11], f[12])
	}
	tick := time.Second / userHZ
	return cpuTimes{user: time.Duration(u) * tick, sys: time.Duration(st) * tick}, nil
}

// watchedCPU sums the CPU time of each watch's processes; a group whose
// process cannot be read carries the error instead.
type watchedCPU struct {
	times []cpuTimes
	errs  []error
}

func readWatched(ws []Watch) watchedCPU {
	out := watchedCPU{times: make([]cpuTimes, len(ws)), errs: make([]error, len(ws))}
	for i, w := range ws {
		for _, pid := range w.PIDs {
			c, err := procCPU(pid)
			if err != nil {
				out.errs[i] = fmt.Errorf("pid %d: %w", pid, err)
				break
			}
			out.times[i].user += c.user
			out.times[i].sys += c.sys
		}
	}
	return out
}

// processCPUs turns the readings at the start and end of the measured
// span into per-request figures for count requests.
func processCPUs(ws []Watch, start, end watchedCPU, count int) []ProcessCPU {
	out := make([]ProcessCPU, len(ws))
	for i, w := range ws {
		p := ProcessCPU{Name: w.Name, PIDs: w.PIDs}
		if err := start.errs[i]; err != nil {
			p.Error = err.Error()
		} else if err := end.errs[i]; err != nil {
			p.Error = err.Error()
		} else {
			d := end.times[i].sub(start.times[i])
			p.CPUUserSeconds, p.CPUSysSeconds = d.user.Seconds(), d.sys.Seconds()
			if count > 0 {
				p.CPUPerTxnMicros = float64((d.user + d.sys).Microseconds()) / float64(count)
			}
		}
		out[i] = p
	}
	return out
}
