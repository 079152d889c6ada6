// pion-relay: terminates DTLS 1.2 (PSK) with Debian's pion/dtls v2 and relays the plaintext datagrams
// to a plain UDP server (an LwM2M server without DTLS), one upstream UDP socket per DTLS client, so the
// upstream sees each client as its own address and can send requests back to it.
// Built like pion-echo (GOPATH mode, offline; tools/peers/install.sh).
// stdout, one line per event: "READY <addr>", "HANDSHAKE peer=.. identity=.. upstream_local=..",
// "HANDSHAKE-FAIL ..", "CLOSED peer=..", "BYE".
package main

import (
	"context"
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
	"psk-ccm8":      dtls.TLS_PSK_WITH_AES_128_CCM_8,
	"ecdhe-psk-cbc": dtls.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
}

func fail(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "pion-relay: "+format+"\n", a...)
	os.Exit(2)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "UDP address to listen on for DTLS")
	upstream := flag.String("upstream", "", "plain UDP server to relay to, host:port")
	pskHex := flag.String("psk", "", "pre-shared key, hex")
	identity := flag.String("identity", "", "accept only this PSK identity (empty: any)")
	suites := flag.String("suite", "psk-ccm8", "comma list of: psk-ccm8 ecdhe-psk-cbc")
	idle := flag.Duration("idle", 10*time.Minute, "close a relay after this long without traffic")
	flag.Parse()
	key, err := hex.DecodeString(*pskHex)
	if err != nil || len(key) == 0 {
		fail("-psk: a hex key is required")
	}
	up, err := net.ResolveUDPAddr("udp", *upstream)
	if err != nil {
		fail("-upstream: %v", err)
	}
	cfg := &dtls.Config{
		ExtendedMasterSecret: dtls.RequestExtendedMasterSecret,
		ConnectContextMaker:  func() (context.Context, func()) { return context.WithTimeout(context.Background(), 10*time.Second) },
		PSK: func(id []byte) ([]byte, error) {
			if *identity != "" && string(id) != *identity {
				return nil, fmt.Errorf("unknown identity %q", id)
			}
			return key, nil
		},
	}
	for _, n := range strings.Split(*suites, ",") {
		id, ok := suiteNames[strings.TrimSpace(n)]
		if !ok {
			fail("unknown suite %q", n)
		}
		cfg.CipherSuites = append(cfg.CipherSuites, id)
		if id == dtls.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 {
			cfg.PSKIdentityHint = []byte{} // an empty, non-nil hint (see pion-echo)
		}
	}
	la, err := net.ResolveUDPAddr("udp", *addr)
	if err != nil {
		fail("-addr: %v", err)
	}
	ln, err := dtls.Listen("udp", la, cfg)
	if err != nil {
		fail("listen: %v", err)
	}

	var mu sync.Mutex
	live := map[net.Conn]bool{}
	stopping := false
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		mu.Lock()
		stopping = true
		for c := range live {
			c.Close()
		}
		mu.Unlock()
		ln.Close()
	}()

	fmt.Printf("READY %s\n", ln.Addr())
	for {
		c, err := ln.Accept()
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
		u, err := net.DialUDP("udp", nil, up)
		if err != nil {
			mu.Unlock()
			fmt.Printf("UPSTREAM-FAIL %v\n", err)
			c.Close()
			continue
		}
		live[c], live[u] = true, true
		mu.Unlock()
		peer := c.RemoteAddr()
		fmt.Printf("HANDSHAKE peer=%s identity=%s upstream_local=%s\n", peer, c.(*dtls.Conn).ConnectionState().IdentityHint, u.LocalAddr())
		var once sync.Once
		done := func() {
			once.Do(func() {
				c.Close()
				u.Close()
				mu.Lock()
				delete(live, c)
				delete(live, u)
				mu.Unlock()
				fmt.Printf("CLOSED peer=%s\n", peer)
			})
		}
		pump := func(from, to net.Conn) {
			buf := make([]byte, 16384)
			for {
				from.SetReadDeadline(time.Now().Add(*idle))
				n, err := from.Read(buf)
				if err != nil {
					break
				}
				if _, err := to.Write(buf[:n]); err != nil {
					break
				}
			}
			done()
		}
		go pump(c, u)
		go pump(u, c)
	}
	fmt.Println("BYE")
}
