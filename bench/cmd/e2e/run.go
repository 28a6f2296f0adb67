package main

import (
	"fmt"
	"time"

	"github.com/intalos/integrations/bench/internal/benchkit"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

func run(o options) error {
	rep := newReplies()
	env, err := benchkit.Setup(benchkit.EnvConfig{
		Tool: "e2e", DBPrefix: "bench_e2e", Dialect: o.db, AdminDSN: o.adminDSN, ServerBin: o.serverBin,
		Instances: o.instances, OnRequest: rep.observe,
	})
	if err != nil {
		return err
	}
	defer env.Close()
	numbers, err := setUp(o, env.Meta, env.GraphQL(), env.Servers)
	if err != nil {
		return err
	}

	l := &loader{o: o, rep: rep, numbers: numbers, run: time.Now().UnixNano() % 10000,
		workers: make([]contact, o.levels[len(o.levels)-1]), client: benchkit.Client(2 * o.levels[len(o.levels)-1])}
	l.measure(o.levels[len(o.levels)-1], o.warmup)
	samples := map[int][]benchkit.Sample{}
	for r := 1; r <= o.rounds; r++ {
		for _, c := range o.levels {
			s := l.measure(c, o.duration)
			samples[c] = append(samples[c], s)
			fmt.Printf("round %d c=%-3d %7.0f msgs/s  p50 %7.2f ms  p99 %8.2f ms  errors %d\n", r, c, s.Rate(), s.P(0.5), s.P(0.99), s.Errors)
		}
	}
	report(o, samples)
	return nil
}

// number is one integration as each instance serves its webhook.
type number struct {
	phoneNumberID string
	webhookURLs   []string // one per instance
}

// setUp creates the echo bot and o.numbers integrations bound to it.
func setUp(o options, meta *benchkit.Meta, g benchkit.GraphQL, servers []*benchkit.Process) ([]number, error) {
	botID, err := benchkit.CreateBot(g, "Echo", benchkit.EchoBot)
	if err != nil {
		return nil, err
	}
	var out []number
	for k := range o.numbers {
		phone := benchkit.PhoneNumberID
		if k > 0 {
			phone = fmt.Sprintf("1065403%08d", k)
			meta.AddPhoneNumber(phone, fmt.Sprintf("1555%07d", k))
		}
		in, err := benchkit.CreateIntegration(g, fmt.Sprintf("Line %d", k), botID, phone, benchkit.Rate(o.mps))
		if err != nil {
			return nil, err
		}
		n := number{phoneNumberID: phone}
		for _, s := range servers {
			n.webhookURLs = append(n.webhookURLs, benchkit.ReplaceBase(in.WebhookURL, servers[0].Base(), s.Base()))
		}
		out = append(out, n)
		if k == 0 && o.statuses {
			meta.SetAutoStatus(whatsapptest.Webhook{URL: in.WebhookURL, AppSecret: benchkit.AppSecret})
		}
	}
	return out, nil
}
