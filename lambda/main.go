// Command lambda is the orchestrator's AWS Lambda entry point (the
// bootstrap of a provided.al2023 function). Build it with
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./lambda
//
// It reads GRAPH_URL and SERVICE_TOKEN once, at cold start.
package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/b2b-orders/platform/lambda/orchestrator"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	graphURL, token := os.Getenv("GRAPH_URL"), os.Getenv("SERVICE_TOKEN")
	if graphURL == "" || token == "" {
		fmt.Fprintln(os.Stderr, "lambda: GRAPH_URL and SERVICE_TOKEN must be set")
		os.Exit(2)
	}
	timeout := orchestrator.DefaultGraphTimeout
	if v := os.Getenv("GRAPH_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fmt.Fprintln(os.Stderr, "lambda: GRAPH_TIMEOUT: not a positive duration")
			os.Exit(2)
		}
		timeout = d
	}
	h := &orchestrator.Handler{
		Graph: &orchestrator.GraphClient{
			URL:          graphURL,
			ServiceToken: token,
			HTTP:         &http.Client{Timeout: timeout},
		},
		Logger: logger,
	}
	lambda.Start(h.HandleEvent)
}
