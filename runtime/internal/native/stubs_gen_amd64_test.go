package native

import (
	"testing"

	"github.com/wasiaot/wasiaot/backend/amd64"
)

func TestStubsGenerated(t *testing.T) {
	stubs, err := amd64.RuntimeStubs()
	checkGeneratedStubs(t, "amd64", stubs, err, amd64.PreemptSavedPC)
}
