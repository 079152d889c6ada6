// pion-echo: a DTLS 1.2 echo server for interop tests of xs-lwm2m, built on Debian's pion/dtls v2
// (golang-github-pion-dtls.v2-dev, GOPATH mode, offline; see tools/peers/install.sh).
// stdout, one line per event: "READY <addr>", "PSK identity=<id>", "HANDSHAKE peer=.. suite=.. identity=.. suite_id=0x..",
// "RESUME session=<hex>", "HANDSHAKE-FAIL ..", "RX peer=.. len=..", "CLOSED peer=..", "BYE".
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/gob"
	"encoding/hex"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pion/dtls/v2"
)

var suiteNames = map[string]dtls.CipherSuiteID{
	"psk-ccm8":         dtls.TLS_PSK_WITH_AES_128_CCM_8,
	"psk-ccm":          dtls.TLS_PSK_WITH_AES_128_CCM,
	"psk-cbc":          dtls.TLS_PSK_WITH_AES_128_CBC_SHA256,
	"ecdhe-psk-cbc":    dtls.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
	"ecdhe-ecdsa-ccm8": dtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
	"ecdhe-ecdsa-ccm":  dtls.TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
	"ecdhe-ecdsa-gcm":  dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "pion-echo: "+format+"\n", a...)
	os.Exit(2)
}

// negotiated reads the suite and PSK identity out of pion's serialized State (the suite field is unexported).
func negotiated(c *dtls.Conn) (string, uint16, string) {
	st := c.ConnectionState()
	raw, err := st.MarshalBinary()
	var s struct{ CipherSuiteID uint16 }
	if err != nil || gob.NewDecoder(bytes.NewReader(raw)).Decode(&s) != nil {
		return "?", 0, string(st.IdentityHint)
	}
	name := strings.ReplaceAll(dtls.CipherSuiteName(dtls.CipherSuiteID(s.CipherSuiteID)), "-", "_") // pion spells some with '-'
	return name, s.CipherSuiteID, string(st.IdentityHint)
}

// memStore keeps sessions in memory for session-ID resumption (-resume).
type memStore struct {
	mu sync.Mutex
	m  map[string]dtls.Session
}

func (s *memStore) Set(k []byte, v dtls.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[string(k)] = v
	return nil
}

func (s *memStore) Get(k []byte) (dtls.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[string(k)]
	if ok {
		fmt.Printf("RESUME session=%x\n", k)
	}
	return v, nil // not found: zero Session, a full handshake follows
}

func (s *memStore) Del(k []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, string(k))
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5760", "UDP address to listen on")
	pskHex := flag.String("psk", "", "pre-shared key, hex")
	hint := flag.String("identity-hint", "", "PSK identity hint sent in ServerKeyExchange (empty: none)")
	suites := flag.String("suite", "psk-ccm8", "comma list of: psk-ccm8 ecdhe-psk-cbc ecdhe-ecdsa-ccm8 (also psk-ccm psk-cbc ecdhe-ecdsa-ccm ecdhe-ecdsa-gcm)")
	certFile := flag.String("cert", "", "server certificate PEM (ECDSA suites)")
	keyFile := flag.String("key", "", "server private key PEM (ECDSA suites)")
	caFile := flag.String("client-ca", "", "CA PEM: require and verify a client certificate")
	ems := flag.String("ems", "request", "extended master secret: request | require | disable")
	mtu := flag.Int("mtu", 0, "path MTU (0: pion default 1200)")
	resume := flag.Bool("resume", false, "issue session IDs and resume sessions (in-memory store)")
	cid := flag.Bool("cid", false, "DTLS Connection ID (RFC 9146): not in the packaged pion/dtls 2.2.6; fails")
	flag.Parse()
	if *cid {
		fail("-cid: this pion/dtls (Debian 2.2.6) has no Connection ID support")
	}

	cfg := &dtls.Config{MTU: *mtu,
		ConnectContextMaker: func() (context.Context, func()) { return context.WithTimeout(context.Background(), 10*time.Second) }}
	for _, n := range strings.Split(*suites, ",") {
		id, ok := suiteNames[strings.TrimSpace(n)]
		if !ok {
			fail("unknown suite %q", n)
		}
		cfg.CipherSuites = append(cfg.CipherSuites, id)
	}
	if *resume {
		cfg.SessionStore = &memStore{m: map[string]dtls.Session{}}
	}
	switch *ems {
	case "request":
		cfg.ExtendedMasterSecret = dtls.RequestExtendedMasterSecret
	case "require":
		cfg.ExtendedMasterSecret = dtls.RequireExtendedMasterSecret
	case "disable":
		cfg.ExtendedMasterSecret = dtls.DisableExtendedMasterSecret
	default:
		fail("bad -ems %q", *ems)
	}
	if *pskHex != "" {
		key, err := hex.DecodeString(*pskHex)
		if err != nil {
			fail("bad -psk: %v", err)
		}
		cfg.PSK = func(identity []byte) ([]byte, error) {
			fmt.Printf("PSK identity=%s\n", identity)
			return key, nil
		}
		if *hint != "" {
			cfg.PSKIdentityHint = []byte(*hint)
		} else if strings.Contains(*suites, "ecdhe-psk") {
			// pion 2.2.6 writes no psk_identity_hint length at all in an ECDHE-PSK ServerKeyExchange when the hint
			// is nil (OpenSSL: "length mismatch"); an empty, non-nil hint encodes the RFC 5489 empty hint.
			cfg.PSKIdentityHint = []byte{}
		}
	}
	if *certFile != "" {
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fail("cert/key: %v", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		pool := x509.NewCertPool()
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			fail("client-ca: cannot load %s", *caFile)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, dtls.RequireAndVerifyClientCert
	}

	udpAddr, err := net.ResolveUDPAddr("udp", *addr)
	if err != nil {
		fail("addr: %v", err)
	}
	ln, err := dtls.Listen("udp", udpAddr, cfg)
	if err != nil {
		fail("listen: %v", err)
	}

	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	stopping := false
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		mu.Lock()
		stopping = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		ln.Close()
	}()

	fmt.Printf("READY %s\n", ln.Addr())
	for {
		c, err := ln.Accept() // the handshake runs inside Accept in pion 2.2
		mu.Lock()
		if stopping {
			mu.Unlock()
			break
		}
		if err != nil {
			mu.Unlock()
			fmt.Printf("HANDSHAKE-FAIL %v\n", err)
			continue
		}
		conns[c] = true
		mu.Unlock()
		suite, suiteID, identity := negotiated(c.(*dtls.Conn))
		peer := c.RemoteAddr()
		fmt.Printf("HANDSHAKE peer=%s suite=%s identity=%s suite_id=0x%04X\n", peer, suite, identity, suiteID)
		go func() {
			buf := make([]byte, 16384)
			for {
				n, err := c.Read(buf)
				if err != nil {
					break
				}
				fmt.Printf("RX peer=%s len=%d\n", peer, n)
				if _, err := c.Write(buf[:n]); err != nil {
					break
				}
			}
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
			fmt.Printf("CLOSED peer=%s\n", peer)
		}()
	}
	fmt.Println("BYE")
}
