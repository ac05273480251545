package serve

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wasiaot/wasiaot/runtime"
)

func TestRequestContext(t *testing.T) {
	newReq := func() (*request, context.Context, context.CancelCauseFunc) {
		parent, cancelParent := context.WithCancelCause(context.Background())
		req := httptest.NewRequest("GET", "/", nil).WithContext(parent)
		q := &request{w: httptest.NewRecorder()}
		return q, q.start(req, time.Now().Add(time.Hour)), cancelParent
	}

	t.Run("stop", func(t *testing.T) {
		q, ctx, _ := newReq()
		defer q.finish()
		q.stop(errRequestTooLarge)
		q.stop(errDeadline)
		<-ctx.Done()
		require.Equal(t, errRequestTooLarge, context.Cause(ctx), "the first cause stays")
	})

	t.Run("deadline", func(t *testing.T) {
		parent := httptest.NewRequest("GET", "/", nil)
		q := &request{w: httptest.NewRecorder()}
		ctx := q.start(parent, time.Now().Add(20*time.Millisecond))
		defer q.finish()
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("the deadline did not stop the request")
		}
		require.Equal(t, errDeadline, context.Cause(ctx))
	})

	t.Run("connection", func(t *testing.T) {
		q, ctx, cancelParent := newReq()
		defer q.finish()
		gone := errors.New("connection closed")
		cancelParent(gone)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("the connection's context did not stop the request")
		}
		require.Equal(t, gone, context.Cause(ctx), "the connection's cause")
	})

	t.Run("finished", func(t *testing.T) {
		parent := httptest.NewRequest("GET", "/", nil)
		q := &request{w: httptest.NewRecorder()}
		ctx := q.start(parent, time.Now().Add(20*time.Millisecond))
		q.finish()
		time.Sleep(50 * time.Millisecond)
		require.NoError(t, ctx.Err(), "a finished request's deadline is disarmed")
		q.stop(errDeadline)
		require.Equal(t, errDeadline, context.Cause(ctx))
	})

	t.Run("afterFunc", func(t *testing.T) {
		q, ctx, _ := newReq()
		defer q.finish()
		q.call = callCtx{ctx, q}
		var c runtime.AfterFuncer = &q.call
		ran := make(chan int, 3)
		stop1 := c.AfterFunc(func() { ran <- 1 })
		c.AfterFunc(func() { ran <- 2 })
		require.True(t, stop1())
		require.False(t, stop1(), "stopped already")
		q.stop(errDeadline)
		require.Equal(t, 2, <-ran)
		stop3 := c.AfterFunc(func() { ran <- 3 })
		require.Equal(t, 3, <-ran, "registered once stopped: runs at once")
		require.False(t, stop3())
		select {
		case n := <-ran:
			t.Fatalf("%d ran again or after being stopped", n)
		case <-time.After(20 * time.Millisecond):
		}
	})
}
