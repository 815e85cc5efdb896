package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxReply bounds how much of a Bot API reply is read.
const maxReply = 64 << 20

// strictReplies turns a reply that is not the Bot API's JSON envelope into
// a Bot API error.
//
// Telegram always answers {"ok":...}. An HTML error page or a cut-off body
// comes from something in between (a reverse proxy, a captive portal, a
// dropped connection), and telebot takes a reply it cannot decode for a
// success (extractOk in its api.go): an approval, a ban or a deletion would
// be recorded as done while nothing happened, and the person told they are
// in. The reply is rewritten as Telegram's own error envelope with the HTTP
// status (502 when the status claimed success), so that every reader of it
// (telebot, Bot.call, a retrying sender) sees a passing server error and
// tries again later.
type strictReplies struct{ next http.RoundTripper }

func (s strictReplies) RoundTrip(req *http.Request) (*http.Response, error) {
	next := s.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	// Only method calls (/bot<token>/method) answer JSON; file downloads
	// (/file/bot<token>/...) do not.
	if err != nil || !strings.Contains(req.URL.Path, "/bot") || strings.Contains(req.URL.Path, "/file/bot") {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var envelope struct {
		OK *bool `json:"ok"`
	}
	if json.Unmarshal(body, &envelope) != nil || envelope.OK == nil {
		code := resp.StatusCode
		if code < 400 {
			code = http.StatusBadGateway
		}
		body = fmt.Appendf(nil, `{"ok":false,"error_code":%d,"description":"Bad Gateway: not a Bot API reply (HTTP %d)"}`, code, resp.StatusCode)
		resp.StatusCode = code
		resp.Status = fmt.Sprintf("%d %s", code, http.StatusText(code))
		resp.Header.Del("Content-Encoding")
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}
