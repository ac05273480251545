// Command benchprog is a Go program of realistic size for the
// compile-throughput benchmark: it pulls in fmt, encoding/json and
// net/http.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func main() {
	req, err := http.NewRequest("GET", "http://example.com/", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, _ := json.Marshal(map[string]string{"method": req.Method, "url": req.URL.String()})
	fmt.Println(string(out))
}
