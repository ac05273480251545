package main

import (
	flag "github.com/spf13/pflag"
	"github.com/wasiaot/wasiaot/compiler"
	"github.com/wasiaot/wasiaot/runtime/artifact"
)

const cpuHelp = `the CPU features compiled code may use: baseline (the default: the artifact runs on ` +
	`every machine of its architecture), on amd64 also x86-64-v2 or x86-64-v3 (AVX2, BMI2: faster, ` +
	`runs only where the CPU has them), or native (every feature of this machine)`

func addCPUFlag(fs *flag.FlagSet) *string { return fs.String("cpu", "", cpuHelp) }

// parseCPU resolves --cpu for target ("" is the host's); no level is the
// default one.
func parseCPU(target, level string) (artifact.Features, error) {
	if level == "" {
		return 0, nil
	}
	f, err := compiler.ParseCPU(target, level)
	if err != nil {
		return 0, usageError{"--cpu: " + err.Error()}
	}
	return f, nil
}
