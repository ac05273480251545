// Command benchprog is a wasip1 program big enough to benchmark decoding and validation.
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
		fmt.Println(err)
		os.Exit(1)
	}
	b, _ := json.Marshal(map[string]any{"method": req.Method, "url": req.URL.String()})
	fmt.Println(string(b))
}
