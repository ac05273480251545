package native

import (
	"testing"

	"github.com/wasiaot/wasiaot/backend/arm64"
)

func TestStubsGenerated(t *testing.T) {
	stubs, err := arm64.RuntimeStubs()
	checkGeneratedStubs(t, "arm64", stubs, err, arm64.PreemptSavedPC)
}
