package webhook

import (
	"strings"
	"testing"
)

// BenchmarkParsePayload parses the body BenchmarkWebhookPost sends: one
// 1 KiB text message with its contact.
func BenchmarkParsePayload(b *testing.B) {
	text := strings.Repeat("Where is my order? ", 1024/19+1)[:1024]
	body := benchBody("pn-bench", 1, quotedText(text))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParsePayload(body); err != nil {
			b.Fatal(err)
		}
	}
}
