package outbox_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/entrepairs/entrepairs/outbox"
)

// The bot wraps each Bot API call in a closure that captures its result,
// and waits for the outbox to pace, order and retry it.
func ExampleOutbox_Do() {
	o := outbox.New(outbox.Options{Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- o.Run(ctx) }()

	var messageID int
	err := o.Do(ctx, outbox.Call{
		Chat:     42,
		Priority: outbox.Charter,
		Kind:     outbox.Message,
		Name:     "sendMessage",
		Do: func(ctx context.Context) error {
			// msg, err := tb.Send(tele.ChatID(42), charterText, markup)
			// if err == nil { messageID = msg.ID }; return err
			messageID = 7
			return nil
		},
	})
	fmt.Println(messageID, err, o.Stats().Sent)

	cancel() // last, once nothing needs to send any more
	fmt.Println(<-stopped)
	// Output:
	// 7 <nil> 1
	// <nil>
}
