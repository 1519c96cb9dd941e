package core

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"time"
)

// ServeOptions configure Start.
type ServeOptions struct {
	// Addr is the listen address; "" means 127.0.0.1:0 (a free port).
	Addr string
	// TLS serves HTTPS with a freshly generated self-signed ECDSA certificate
	// for 127.0.0.1, ::1 and localhost.
	TLS bool
	// CertFile, when set with TLS, receives the certificate in PEM form so
	// that other clients can trust it (curl --cacert FILE).
	CertFile string
	// Certificate and CertPEM, when set with TLS, are served instead of a
	// newly generated certificate (so several servers can share one; see
	// SelfSignedCert).
	Certificate *tls.Certificate
	CertPEM     []byte
}

// Server is a running sandbox listener.
type Server struct {
	// URL is the base URL, e.g. "https://127.0.0.1:41234" (no trailing slash).
	URL string
	// CertPEM is the server certificate in PEM form (TLS only).
	CertPEM []byte

	srv  *http.Server
	done chan struct{} // closed when the serve loop has returned
	err  error         // the serve loop's error, valid after done
}

// Start serves h on opts.Addr in a background goroutine and returns once the
// listener accepts connections.
func Start(h http.Handler, opts ServeOptions) (*Server, error) {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	s := &Server{
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	scheme := "http"
	if opts.TLS {
		var cert tls.Certificate
		var certPEM []byte
		if opts.Certificate != nil {
			cert, certPEM = *opts.Certificate, opts.CertPEM
		} else if cert, certPEM, err = SelfSignedCert(); err != nil {
			ln.Close()
			return nil, err
		}
		if opts.CertFile != "" {
			if err := os.WriteFile(opts.CertFile, certPEM, 0o644); err != nil {
				ln.Close()
				return nil, fmt.Errorf("sandbox: write certificate: %w", err)
			}
		}
		s.CertPEM = certPEM
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	s.URL = scheme + "://" + ln.Addr().String()
	go func() {
		var err error
		if opts.TLS {
			err = s.srv.ServeTLS(ln, "", "")
		} else {
			err = s.srv.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.err = err
		close(s.done)
	}()
	return s, nil
}

// Shutdown stops accepting connections and waits for in-flight requests
// (or ctx) to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("sandbox: shutdown: %w", err)
	}
	<-s.done
	return s.err
}

// Close stops the server at once, dropping open connections. Calling it
// again (or after Shutdown) is harmless.
func (s *Server) Close() error {
	if err := s.srv.Close(); err != nil {
		return fmt.Errorf("sandbox: close: %w", err)
	}
	<-s.done
	return s.err
}

// Client returns an HTTP client that trusts the server's certificate (for
// plain HTTP, an ordinary client). It has a 30 s overall timeout.
func (s *Server) Client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if s.CertPEM != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.CertPEM)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// SelfSignedCert generates an ECDSA P-256 certificate valid for one year
// for 127.0.0.1, ::1 and localhost. It is its own CA, so a client can trust
// it directly. It returns the key pair and the certificate in PEM form.
func SelfSignedCert() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("sandbox: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("sandbox: serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "mapsync sandbox", Organization: []string{"mapsync sandbox"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("sandbox: create certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("sandbox: marshal key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("sandbox: key pair: %w", err)
	}
	return cert, certPEM, nil
}
