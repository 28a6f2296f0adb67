package inbox_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/intalos/integrations/ent/message"
	"github.com/intalos/integrations/ent/testdb"
	"github.com/intalos/integrations/internal/inbox"
	"github.com/intalos/integrations/internal/inbox/pipelinetest"
	"github.com/intalos/integrations/internal/outbox"
	"github.com/intalos/integrations/internal/store"
	"github.com/intalos/integrations/internal/whatsapp/whatsapptest"
)

// echoBot asks, echoes the answer and asks again, forever: one
// conversation per contact whose replies have a checkable order.
const echoBot = `{"version":1,"start":"ask","nodes":[
	{"id":"ask","type":"QuestionText","text":"Say something","variable":"said","next":"echo"},
	{"id":"echo","type":"Message","text":"echo {{said}}","next":"ask"}]}`

// wantEcho is the replies to per messages m0, m1, …
func wantEcho(per int) []string {
	want := []string{"Say something"}
	for i := 1; i < per; i++ {
		want = append(want, fmt.Sprintf("echo m%d", i), "Say something")
	}
	return want
}

// TestTwoInstancesUnderLoad runs two server instances on one PostgreSQL
// schema, each with its own workers, webhook and client, under 50 contacts
// writing 5 messages each to either instance: every message is answered
// exactly once, and each conversation's replies come in order.
func TestTwoInstancesUnderLoad(t *testing.T) {
	src := testdb.PostgresSource(t)
	db1, db2 := testdb.Open(t, src), testdb.Open(t, src)
	e := pipelinetest.New(t, db1, pipelinetest.Config{NoInstance: true})
	bot, _ := e.Bot("Echo", echoBot)
	e.Bind(bot.ID)
	instances := []*pipelinetest.Instance{
		e.Start(db1, inbox.Options{}, outbox.Options{}),
		e.Start(db2, inbox.Options{}, outbox.Options{}),
	}
	const contacts, per = 50, 5
	base := time.Now().Add(-time.Minute)
	var wg sync.WaitGroup
	errs := make(chan error, contacts)
	for c := range contacts {
		wg.Go(func() {
			from := fmt.Sprintf("1555%07d", c)
			for i := range per {
				m := whatsapptest.TextMessage(from, fmt.Sprintf("m%d", i))
				m.ID = fmt.Sprintf("wamid.L%d-%d", c, i)
				m.Timestamp = base.Add(time.Duration(i) * time.Second)
				d, err := e.Sim.PostInbound(context.Background(), e.Hook(instances[(c+i)%2]), e.PhoneNumberID, m)
				if err == nil && d.StatusCode != http.StatusOK {
					err = fmt.Errorf("webhook answered %d", d.StatusCode)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	wantEchoes(t, e, "+1555", contacts, per)
}

// TestOneContactInWhatsAppOrder: messages stored together are processed in
// the order of their WhatsApp timestamps, not of their arrival.
func TestOneContactInWhatsAppOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := pipelinetest.New(t, db, pipelinetest.Config{})
		bot, _ := e.Bot("Echo", echoBot)
		e.Bind(bot.ID)
		const per = 5
		base := time.Now().Add(-time.Minute)
		var batch []whatsapptest.InboundMessage
		for i := per - 1; i >= 0; i-- {
			m := whatsapptest.TextMessage(ana, fmt.Sprintf("m%d", i))
			m.Timestamp = base.Add(time.Duration(i) * time.Second)
			batch = append(batch, m)
		}
		e.Inbound(batch...)
		want := wantEcho(per)
		wantTexts(t, sentTexts(t, e.WaitSends(len(want))), want...)
	})
}

// settled waits until nothing is left to process or send.
// wantEchoes waits for the replies to contacts numbered prefix+0000000…,
// each of which sent per messages, and checks that each got every reply
// once and in order.
func wantEchoes(t *testing.T, e *pipelinetest.Env, prefix string, contacts, per int) {
	t.Helper()
	want := wantEcho(per)
	e.WaitSends(contacts * len(want))
	settled(t, e)
	sends := e.Requests(whatsapptest.KindSend)
	if len(sends) != contacts*len(want) {
		t.Fatalf("%d sends, want %d: some message was answered twice", len(sends), contacts*len(want))
	}
	byContact := make(map[string][]string)
	for i, text := range sentTexts(t, sends) {
		byContact[sends[i].To] = append(byContact[sends[i].To], text)
	}
	for c := range contacts {
		to := fmt.Sprintf("%s%07d", prefix, c)
		if got := byContact[to]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("replies to %s:\n got %q\nwant %q", to, got, want)
		}
	}
}

func settled(t *testing.T, e *pipelinetest.Env) {
	t.Helper()
	e.Eventually("inbox and outbox drained", func() bool {
		n, err := e.DB.Client.Message.Query().
			Where(message.StatusIn(message.StatusRECEIVED, message.StatusQUEUED)).
			Count(pipelinetest.Ctx())
		return err == nil && n == 0
	})
}

// TestInstanceKilledUnderLoad stops one of two instances in the middle of
// a load, its workers mid-transaction and mid-send; Meta's retries go to
// the survivor, which settles what was in doubt. Every message is still
// answered exactly once and in order.
func TestInstanceKilledUnderLoad(t *testing.T) {
	src := testdb.PostgresSource(t)
	db1, db2 := testdb.Open(t, src), testdb.Open(t, src)
	e := pipelinetest.New(t, db1, pipelinetest.Config{NoInstance: true, AutoStatus: true})
	bot, _ := e.Bot("Echo", echoBot)
	e.Bind(bot.ID)
	opts := outbox.Options{Lease: time.Second}
	doomed := e.Start(db1, inbox.Options{}, opts)
	survivor := e.Start(db2, inbox.Options{}, opts)

	const contacts, per = 30, 4
	base := time.Now().Add(-time.Minute)
	var (
		wg     sync.WaitGroup
		posted sync.WaitGroup
		kill   sync.Once
	)
	posted.Add(contacts * per / 3)
	go func() {
		posted.Wait()
		kill.Do(doomed.Halt)
	}()
	errs := make(chan error, contacts)
	for c := range contacts {
		wg.Go(func() {
			from := fmt.Sprintf("1777%07d", c)
			for i := range per {
				m := whatsapptest.TextMessage(from, fmt.Sprintf("m%d", i))
				m.ID = fmt.Sprintf("wamid.K%d-%d", c, i)
				m.Timestamp = base.Add(time.Duration(i) * time.Second)
				// Meta retries a failed delivery; here at once, on the survivor.
				d, err := e.Sim.PostInbound(context.Background(), e.Hook(doomed), e.PhoneNumberID, m)
				if err != nil || d.StatusCode != http.StatusOK {
					d, err = e.Sim.PostInbound(context.Background(), e.Hook(survivor), e.PhoneNumberID, m)
				}
				if err == nil && d.StatusCode != http.StatusOK {
					err = fmt.Errorf("webhook answered %d", d.StatusCode)
				}
				if err != nil {
					errs <- err
					return
				}
				if c*per+i < contacts*per/3 {
					posted.Done()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	wantEchoes(t, e, "+1777", contacts, per)
}
