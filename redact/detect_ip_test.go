package redact

import "testing"

func TestFindIPs(t *testing.T) {
	runDetect(t, findIPs, TypeIPAddress, []detectCase{
		{in: "client_ip=139.204.213.124 reason=x", want: []string{"139.204.213.124"}},
		{in: `"X-Forwarded-For":"97.244.115.228, 54.239.91.131"`, want: []string{"97.244.115.228", "54.239.91.131"}},
		{in: "dial tcp 172.20.44.214:5432: refused", want: []string{"172.20.44.214"}},
		{in: "(mail.google.com [58.60.21.129]) by", want: []string{"58.60.21.129"}},
		{in: "X-SES-Outgoing: 2024.03.26-58.60.21.129", want: []string{"58.60.21.129"}},
		{in: `\"sourceIp\":\"10.0.0.1\"`, want: []string{"10.0.0.1"}},
		{in: "from 2605:6440:e4d6:262b::4284:9a95, 64.252.26.226", want: []string{"2605:6440:e4d6:262b::4284:9a95", "64.252.26.226"}},
		{in: "ip=2804:e623:bef7:6a63:f2c4:e85c:104e:a73b", want: []string{"2804:e623:bef7:6a63:f2c4:e85c:104e:a73b"}},
		{in: `"2407:78d6:c78c:63cf:9d9a::"`, want: []string{"2407:78d6:c78c:63cf:9d9a::"}},
		// hard negatives and near misses
		{in: "Mozilla/5.0 Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80", want: nil},
		{in: "version 1.2.3.4.5 and v10.0.0.1", want: nil},
		{in: "256.1.1.1 and 1.2.3 and 01.02.03.04", want: nil},
		{in: "RFC 6265 Section 5.1.1.5; Version: 10.0.19041.1; build 6.1.7601.1", want: nil},
		{in: "postgres://u:NT45PQf3rfCtA@192.168.203.103:5432/x", want: []string{"192.168.203.103"}},
		{in: "2025-05-16T21:13:35.123Z took 12:30:45", want: nil},
		{in: "mac aa:bb:cc:dd:ee:ff std::vector a::b", want: nil},
		{in: "Root=1-65f0b0a2-4f2c1d0e9b8a7c6d5e4f3a2b;Lineage=1:afdaca6d:0", want: nil},
		{in: "arn:aws:sqs:sa-east-1:311533458384:orders-queue", want: nil},
	})
	// keepPrivateIPs
	m := &matchSet{keepPrivateIPs: true}
	findIPs([]byte("db 10.1.2.3 lo 127.0.0.1 pub 8.8.8.8 v6 fe80::1:2:3"), m)
	if len(m.ms) != 1 {
		t.Errorf("keepPrivateIPs: got %v, want only 8.8.8.8", m.ms)
	}
}
