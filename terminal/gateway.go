package terminal

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// Gateway turns frames into switch requests and answers into frames: it is
// the FrameHandler between the TCP Server and a posguard.TerminalHandler.
//
// Framing errors close the connection; a format error inside a complete
// frame is answered 30 (MTI + 10 with 11, 41 and 42) when the MTI, 11 and
// 41 could be read, and closes the connection otherwise. The gateway does
// no MAC arithmetic: it hands the switch the bytes a request's MAC covers
// (TerminalRequest.MACData) and signs an answer with the function the
// switch gives (TerminalResponse.Sign).
type Gateway struct {
	Handler posguard.TerminalHandler
	Logger  *slog.Logger
	// FrameError, if set, counts frames that could not be served by kind
	// ("frame", "format").
	FrameError func(kind string)
	// Now is the clock for ReceivedAt; default time.Now.
	Now func() time.Time

	samplerOnce sync.Once
	sampler     *logSampler
}

// unauthenticated lists the answers a peer without keys can cause: their
// log lines are sampled (one per code per second, with a count of the rest).
var unauthenticated = map[string]bool{"97": true, "A0": true, "77": true, "30": true, "03": true, "96": true}

// sample writes a log line through the gateway's sampler.
func (g *Gateway) sample(log *slog.Logger, level slog.Level, kind, msg string, args ...any) {
	g.samplerOnce.Do(func() { g.sampler = newLogSampler(time.Second) })
	g.sampler.log(log, level, kind, msg, args...)
}

// ServeFrame implements FrameHandler.
func (g *Gateway) ServeFrame(ctx context.Context, c *ConnInfo, frame []byte) ([]byte, bool) {
	log := g.Logger
	if log == nil {
		log = slog.Default()
	}
	f, err := ParseFrame(frame)
	if err != nil {
		g.count("frame")
		g.sample(log, slog.LevelWarn, "frame", "unreadable frame: closing connection", "conn", c.ID, "remote", c.Remote, "err", err)
		return nil, true
	}
	req, msg, err := DecodeRequest(f)
	if err != nil {
		g.count("format")
		fe, ok := IsFormatError(err)
		if !ok || !fe.Answerable() {
			g.sample(log, slog.LevelWarn, "malformed", "malformed request without MTI/STAN/TID: closing connection", "conn", c.ID, "remote", c.Remote, "err", err)
			return nil, true
		}
		g.sample(log, slog.LevelWarn, "format", "format error: answering 30", "conn", c.ID, "terminal", fe.TerminalID, "stan", fe.STAN, "err", err)
		body, perr := CUPS.Pack(BuildFormatError(fe))
		if perr != nil {
			return nil, true
		}
		return ResponseFrame(f, body, false).Append(nil)[2:], false
	}
	if g.Now != nil {
		req.ReceivedAt = g.Now()
	} else {
		req.ReceivedAt = time.Now()
	}
	resp := g.Handler.HandleTerminal(ctx, req)
	out := BuildResponse(req, msg, resp)
	iso8583.ReleaseMessage(msg)
	// The answer frame is built in one buffer: TPDU and header, then the
	// packed (and signed) body.
	frameOut := ResponseFrame(f, nil, resp.ResignOn).appendHead(make([]byte, 0, 11+256))
	if resp.Sign != nil {
		frameOut, err = AppendSignedResponse(frameOut, out, resp.Sign)
	} else {
		frameOut, err = CUPS.AppendPack(frameOut, out)
	}
	iso8583.ReleaseMessage(out)
	if err != nil {
		log.Error("pack answer", "terminal", req.TerminalID, "stan", req.STAN, "err", err)
		return nil, true
	}
	if unauthenticated[resp.Code] {
		g.sample(log, slog.LevelInfo, "declined "+resp.Code, "declined", "terminal", req.TerminalID, "stan", req.STAN, "type", req.Type, "code", resp.Code, "reason", resp.Reason)
	} else if resp.Code != "00" {
		log.Info("declined", "terminal", req.TerminalID, "stan", req.STAN, "type", req.Type, "code", resp.Code, "reason", resp.Reason, "pan", req.PAN)
	}
	return frameOut, false
}

func (g *Gateway) count(kind string) {
	if g.FrameError != nil {
		g.FrameError(kind)
	}
}
