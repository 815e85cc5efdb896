package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
)

func TestClassifyTransport(t *testing.T) {
	var syntax *json.SyntaxError
	badJSON := json.Unmarshal([]byte("<html>"), &struct{}{})
	if !errors.As(badJSON, &syntax) {
		t.Fatalf("no syntax error from %v", badJSON)
	}
	tests := []struct {
		name      string
		err       error
		wantRetry bool
	}{
		{name: "nil", err: nil},
		{name: "caller cancelled", err: fmt.Errorf("send: %w", context.Canceled)},
		{name: "deadline", err: fmt.Errorf("send: %w", context.DeadlineExceeded), wantRetry: true},
		{name: "unexpected EOF", err: fmt.Errorf("client: %w", io.ErrUnexpectedEOF), wantRetry: true},
		{name: "EOF", err: io.EOF, wantRetry: true},
		{name: "connection refused", err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}, wantRetry: true},
		{name: "not JSON", err: fmt.Errorf("client: %w", badJSON), wantRetry: true},
		{name: "a server's answer is the client's Classify's to read", err: errors.New("telegram: Service Unavailable (503)")},
		{name: "our own error", err: errors.New("client: unsupported what argument")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after, retry := ClassifyTransport(tt.err)
			if retry != tt.wantRetry || after != 0 {
				t.Errorf("ClassifyTransport = %v, %v; want 0, %v", after, retry, tt.wantRetry)
			}
		})
	}
}
