package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// MediaInfo describes uploaded or received media. URL is valid for five
// minutes and must be fetched with the access token
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/media).
type MediaInfo struct {
	ID       string
	URL      string
	MimeType string
	SHA256   string
	FileSize int64
}

type mediaResponse struct {
	ID       string          `json:"id"`
	URL      string          `json:"url"`
	MimeType string          `json:"mime_type"`
	SHA256   string          `json:"sha256"`
	FileSize json.RawMessage `json:"file_size"` // a string in Meta's examples
}

// MediaURL resolves a media id (from an inbound webhook or an upload) to its
// download URL. phone_number_id makes Meta check the media belongs to the
// number.
func (c *Client) MediaURL(ctx context.Context, creds Credentials, mediaID string) (MediaInfo, error) {
	if mediaID == "" {
		return MediaInfo{}, &ValidationError{Field: "media_id", Reason: "required"}
	}
	if creds.AccessToken == "" {
		return MediaInfo{}, errNoCredentials
	}
	u := c.graphURL(creds.version(), mediaID)
	if creds.PhoneNumberID != "" {
		u += "?phone_number_id=" + url.QueryEscape(creds.PhoneNumberID)
	}
	var resp mediaResponse
	if err := c.do(ctx, call{op: "look up media", method: http.MethodGet, url: u, token: creds.AccessToken}, &resp); err != nil {
		return MediaInfo{}, err
	}
	size, _ := strconv.ParseInt(strings.Trim(string(resp.FileSize), `"`), 10, 64)
	return MediaInfo{ID: resp.ID, URL: resp.URL, MimeType: resp.MimeType, SHA256: resp.SHA256, FileSize: size}, nil
}

// DownloadMedia fetches a media URL returned by MediaURL (or carried in a
// webhook), authenticated with the access token. The caller closes the body.
// A 404 usually means the URL expired: look the id up again.
func (c *Client) DownloadMedia(ctx context.Context, creds Credentials, mediaURL string) (io.ReadCloser, string, error) {
	if creds.AccessToken == "" {
		return nil, "", errNoCredentials
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("whatsapp: download media: invalid media URL")
	}
	req.Header.Set("Authorization", "Bearer "+creds.AccessToken)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", transportError(ctx, "download media", err)
	}
	if resp.StatusCode/100 != 2 {
		defer closeBody(resp.Body)
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
		return nil, "", parseAPIError("download media", resp, body, c.now(), creds.AccessToken)
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}

// UploadMedia uploads r as a file of mimeType and returns its media id,
// usable in sends for 30 days. The body is streamed, not buffered.
func (c *Client) UploadMedia(ctx context.Context, creds Credentials, filename, mimeType string, r io.Reader) (string, error) {
	if err := creds.check(); err != nil {
		return "", err
	}
	if mimeType == "" {
		return "", &ValidationError{Field: "type", Reason: "required"}
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		pw.CloseWithError(writeUpload(mw, filename, mimeType, r))
	}()
	var resp struct {
		ID string `json:"id"`
	}
	err := c.do(ctx, call{
		op:          "upload media",
		method:      http.MethodPost,
		url:         c.graphURL(creds.version(), creds.PhoneNumberID, "media"),
		token:       creds.AccessToken,
		contentType: mw.FormDataContentType(),
		body:        pr,
	}, &resp)
	// Unblocks the writer goroutine if the request ended before reading it all.
	_ = pr.Close()
	if err != nil {
		return "", err
	}
	if resp.ID == "" {
		return "", fmt.Errorf("whatsapp: upload media: response has no id")
	}
	return resp.ID, nil
}

func writeUpload(mw *multipart.Writer, filename, mimeType string, r io.Reader) error {
	if err := mw.WriteField("messaging_product", "whatsapp"); err != nil {
		return err
	}
	if err := mw.WriteField("type", mimeType); err != nil {
		return err
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	h.Set("Content-Type", mimeType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, r); err != nil {
		return err
	}
	return mw.Close()
}
