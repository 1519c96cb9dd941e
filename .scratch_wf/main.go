package main

import (
	"context"
	"fmt"
	"os"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

func main() {
	c, err := client.Dial(client.Options{HostPort: os.Args[1]})
	if err != nil {
		panic(err)
	}
	it := c.GetWorkflowHistory(context.Background(), os.Args[2], "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			panic(err)
		}
		s := fmt.Sprint(e.GetAttributes())
		if len(s) > 400 {
			s = s[:400]
		}
		fmt.Println(e.EventId, e.EventType, e.EventTime.AsTime().Format("15:04:05"), s)
	}
}
