package amd64

import "github.com/wasiaot/wasiaot/backend/internal/slab"

// instrSlab is the selector's instruction storage, reused from one
// function to the next (package slab).
type instrSlab = slab.Slab[Instr]
