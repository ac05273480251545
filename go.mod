module github.com/wasiaot/wasiaot

go 1.26.0

require (
	github.com/spf13/pflag v1.0.10
	github.com/stretchr/testify v1.12.1
	github.com/tetratelabs/wazero v1.12.0
	github.com/twitchyliquid64/golang-asm v0.15.1
	golang.org/x/arch v0.32.0
)

require (
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.44.0 // indirect
)
