package compiler

// The amd64 backend registers itself as target "amd64".
import _ "github.com/wasiaot/wasiaot/backend/amd64"
