package compiler

// The arm64 backend registers itself as target "arm64".
import _ "github.com/wasiaot/wasiaot/backend/arm64"
