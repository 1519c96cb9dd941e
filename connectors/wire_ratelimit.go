package connectors

import (
	"fmt"

	"mapsync/engine/plan"
)

// Objects with their own rate_limit (an API that counts requests or
// threads per endpoint): each has a limiter, waited for before the
// system's, shared like the system's through Limits (keyed by the
// account and the object).

func (c *Client) objectLimiters(ls *Limits) map[string]*limiter {
	out := map[string]*limiter{}
	for _, o := range c.sys.Objects {
		if o.RateLimit == nil {
			continue
		}
		if ls != nil {
			rl := o.RateLimit
			key := fmt.Sprintf("%s/object/%s/%g/%d/%d/%d/%d", c.limitKey(), o.Name, rl.RequestsPerSecond, rl.Burst,
				rl.Concurrency, rl.WindowRequests, rl.WindowSeconds)
			out[o.Name] = ls.get(key, *rl, c.clock)
		} else {
			out[o.Name] = newLimiter(*o.RateLimit, c.clock)
		}
	}
	return out
}

// objLimiter is an object's own limiter, nil when it has none.
func (c *Client) objLimiter(obj *plan.Object) *limiter {
	if obj == nil {
		return nil
	}
	return c.objLim[obj.Name]
}
