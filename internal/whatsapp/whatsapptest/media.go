package whatsapptest

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
)

type mediaRecord struct {
	ref  MediaRef
	data []byte
}

// MediaRef names stored media, for inbound message builders.
type MediaRef struct {
	ID       string
	MimeType string
	SHA256   string
}

// AddMedia stores media as if a user had sent it, so that an inbound
// message can refer to it and the client can look it up and download it.
func (s *Simulator) AddMedia(data []byte, mimeType string) MediaRef {
	sum := sha256.Sum256(data)
	ref := MediaRef{ID: s.nextID(), MimeType: mimeType, SHA256: base64.StdEncoding.EncodeToString(sum[:])}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[ref.ID] = &mediaRecord{ref: ref, data: append([]byte(nil), data...)}
	return ref
}

// handleUpload serves POST /{version}/{phone}/media (multipart).
func (s *Simulator) handleUpload(w http.ResponseWriter, r *http.Request) {
	phoneID := r.PathValue("phone")
	note(w, KindMediaUpload, phoneID)
	if _, ok := s.authorize(w, r, phoneID); !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 100<<20) // Meta's largest media: 100 MB documents
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		s.fail(w, errInvalidParameter("Request must be multipart/form-data: "+err.Error()))
		return
	}
	if e := checkMessagingProduct(formValue(r, "messaging_product")); e != nil {
		s.fail(w, e)
		return
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		s.fail(w, errParamRequired("file"))
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return
	}
	mimeType := r.FormValue("type")
	if mimeType == "" {
		mimeType = header.Header.Get("Content-Type")
	}
	if mimeType == "" {
		s.fail(w, errParamRequired("type"))
		return
	}
	ref := s.AddMedia(data, mimeType)
	s.record(Request{Kind: KindMediaUpload, Method: r.Method, Path: r.URL.Path, PhoneNumberID: phoneID, At: s.cfg.Now()})
	writeJSON(w, http.StatusOK, map[string]string{"id": ref.ID})
	noteDetail(w, "id="+ref.ID+" type="+mimeType+" bytes="+strconv.Itoa(len(data)))
}

func formValue(r *http.Request, key string) *string {
	if _, ok := r.Form[key]; !ok {
		return nil
	}
	v := r.FormValue(key)
	return &v
}

// handleMediaLookup serves GET /{version}/{media-id}.
func (s *Simulator) handleMediaLookup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	phoneID := r.URL.Query().Get("phone_number_id")
	note(w, KindMediaLookup, phoneID)
	f := s.takeFaults(phoneID)
	if f.drop {
		dropConnection(w)
		return
	}
	if e := s.checkToken(bearer(r)); e != nil {
		s.fail(w, e)
		return
	}
	s.mu.Lock()
	m, ok := s.media[id]
	s.mu.Unlock()
	if !ok {
		s.fail(w, errObjectNotFound("get", id))
		return
	}
	s.record(Request{Kind: KindMediaLookup, Method: r.Method, Path: r.URL.Path, PhoneNumberID: phoneID, At: s.cfg.Now()})
	// Shaped like Meta's lookaside URLs; file_size is a string as in Meta's example.
	writeJSON(w, http.StatusOK, map[string]string{
		"messaging_product": "whatsapp",
		"url":               scheme(r) + "://" + r.Host + "/whatsapp_business/attachments/?mid=" + id,
		"mime_type":         m.ref.MimeType,
		"sha256":            m.ref.SHA256,
		"file_size":         strconv.Itoa(len(m.data)),
		"id":                id,
	})
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// handleDownload serves the media URL; without a valid bearer token the
// download fails, as Meta's does.
func (s *Simulator) handleDownload(w http.ResponseWriter, r *http.Request) {
	note(w, KindMediaDownload, "")
	if e := s.checkToken(bearer(r)); e != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	id := r.URL.Query().Get("mid")
	s.mu.Lock()
	m, ok := s.media[id]
	s.mu.Unlock()
	if !ok || !strings.HasSuffix(r.URL.Path, "/attachments/") {
		http.NotFound(w, r)
		return
	}
	s.record(Request{Kind: KindMediaDownload, Method: r.Method, Path: r.URL.Path, At: s.cfg.Now()})
	w.Header().Set("Content-Type", m.ref.MimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.data)))
	_, _ = w.Write(m.data)
}
