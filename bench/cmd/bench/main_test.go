package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenEngines(t *testing.T) {
	engs, infos, err := openEngines([]string{"wazero"})
	require.NoError(t, err)
	require.Len(t, engs, 2, "native is always added as the reference")
	assert.Equal(t, "native", engs[0].Name())
	assert.Equal(t, "wazero", engs[1].Name())
	assert.Len(t, infos, 2)

	_, _, err = openEngines([]string{"nonesuch"})
	require.ErrorContains(t, err, "unknown engine")
}
