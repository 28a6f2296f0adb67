package whatsapp_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/intalos/integrations/internal/whatsapp"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

func TestMediaRoundTrip(t *testing.T) {
	sim, c, creds := newTestClient(t)
	ctx := context.Background()
	data := bytes.Repeat([]byte{0xff, 0xd8, 0x42}, 1000)
	id, err := c.UploadMedia(ctx, creds, "photo.jpg", "image/jpeg", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("UploadMedia: %v", err)
	}
	info, err := c.MediaURL(ctx, creds, id)
	if err != nil {
		t.Fatalf("MediaURL: %v", err)
	}
	if info.ID != id || info.MimeType != "image/jpeg" || info.FileSize != int64(len(data)) {
		t.Errorf("info = %+v, want id %s, image/jpeg, %d bytes", info, id, len(data))
	}
	body, contentType, err := c.DownloadMedia(ctx, creds, info.URL)
	if err != nil {
		t.Fatalf("DownloadMedia: %v", err)
	}
	defer body.Close()
	got, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) || contentType != "image/jpeg" {
		t.Errorf("downloaded %d bytes of %s, want the %d uploaded bytes of image/jpeg", len(got), contentType, len(data))
	}
	kinds := []string{}
	for _, r := range sim.Requests() {
		kinds = append(kinds, r.Kind)
	}
	want := []string{whatsapptest.KindMediaUpload, whatsapptest.KindMediaLookup, whatsapptest.KindMediaDownload}
	if len(kinds) != len(want) {
		t.Fatalf("recorded %v, want %v", kinds, want)
	}
}

func TestMediaInboundLookupAndErrors(t *testing.T) {
	sim, c, creds := newTestClient(t)
	ctx := context.Background()
	ref := sim.AddMedia([]byte("OggS voice"), "audio/ogg; codecs=opus")
	info, err := c.MediaURL(ctx, creds, ref.ID)
	if err != nil || info.SHA256 != ref.SHA256 {
		t.Fatalf("MediaURL = %+v, %v; want sha256 %s", info, err, ref.SHA256)
	}
	tests := []struct {
		name      string
		run       func() error
		wantClass whatsapp.Class
	}{
		{"unknown media id", func() error { _, err := c.MediaURL(ctx, creds, "404404"); return err }, whatsapp.Permanent},
		{"download with a bad token", func() error {
			_, _, err := c.DownloadMedia(ctx, whatsapp.Credentials{AccessToken: "EAAbad"}, info.URL)
			return err
		}, whatsapp.Auth},
		{"expired media URL", func() error {
			_, _, err := c.DownloadMedia(ctx, creds, info.URL+"0")
			return err
		}, whatsapp.Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatal("want an error")
			}
			if got := whatsapp.Classify(err); got != tt.wantClass {
				t.Errorf("Classify(%v) = %v, want %v", err, got, tt.wantClass)
			}
		})
	}
}
