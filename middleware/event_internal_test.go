package middleware

import (
	"reflect"
	"strings"
	"testing"
)

// TestDetectEventRegion covers the region a caller can give detectEvent for
// the events that do not carry it (custom domain names, AppSync
// authorizers), and the partitions.
func TestDetectEventRegion(t *testing.T) {
	rest := `{"resource":"/pay","httpMethod":"POST","requestContext":{"accountId":"123456789012","apiId":"abc","stage":"prod","domainName":"DOMAIN"}}`
	appsync := `{"authorizationToken":"t","requestContext":{"apiId":"gql1","accountId":"123456789012","operationName":"Q"}}`
	cases := []struct {
		payload, domain, region string
		want                    []string
	}{
		{rest, "api.example.com", "", []string{"abc/prod/POST/pay"}},
		{rest, "api.example.com", "eu-west-1", []string{"arn:aws:execute-api:eu-west-1:123456789012:abc/prod/POST/pay"}},
		{rest, "abc.execute-api.us-east-2.amazonaws.com", "eu-west-1", []string{"arn:aws:execute-api:us-east-2:123456789012:abc/prod/POST/pay"}},
		{rest, "abc.execute-api.us-gov-west-1.amazonaws.com", "", []string{"arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:abc/prod/POST/pay"}},
		{rest, "abc.execute-api.cn-northwest-1.amazonaws.com.cn", "", []string{"arn:aws-cn:execute-api:cn-northwest-1:123456789012:abc/prod/POST/pay"}},
		{rest, "abc.execute-api.NOT_A_REGION.amazonaws.com", "", []string{"abc/prod/POST/pay"}},
		{rest, "api.example.com", "cn-north-1", []string{"arn:aws-cn:execute-api:cn-north-1:123456789012:abc/prod/POST/pay"}},
		{appsync, "", "", []string{"gql1"}},
		{appsync, "", "eu-central-1", []string{"arn:aws:appsync:eu-central-1:123456789012:apis/gql1"}},
	}
	for _, c := range cases {
		payload := []byte(c.payload)
		if c.domain != "" {
			payload = []byte(strings.Replace(c.payload, "DOMAIN", c.domain, 1))
		}
		ev, err := detectEvent(payload, c.region)
		if err != nil {
			t.Errorf("%s in %q: got error %v", c.domain, c.region, err)
			continue
		}
		if !reflect.DeepEqual(ev.Resources, c.want) {
			t.Errorf("%s in %q: got %q, want %q", c.domain, c.region, ev.Resources, c.want)
		}
	}
}

func TestPartition(t *testing.T) {
	cases := map[string]string{
		"us-east-1": "aws", "eu-west-3": "aws", "cn-north-1": "aws-cn", "us-gov-east-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "eu-isoe-west-1": "aws-iso-e",
		"us-isof-south-1": "aws-iso-f", "eusc-de-east-1": "aws-eusc",
	}
	for region, want := range cases {
		if got := partition(region, false); got != want {
			t.Errorf("partition(%q): got %q, want %q", region, got, want)
		}
	}
}

// TestDetectEventAllocations keeps the hot path frugal: one buffer, one
// resources slice.
func TestDetectEventAllocations(t *testing.T) {
	payload := []byte(`{"resource":"/{proxy+}","httpMethod":"POST","requestContext":{"accountId":"1","apiId":"a","stage":"s",
		"resourcePath":"/{proxy+}","httpMethod":"POST","domainName":"a.execute-api.us-east-1.amazonaws.com",
		"identity":{"userArn":"arn:aws:iam::1:user/u","accessKey":"AKIA","accountId":"1","caller":"AIDA","sourceIp":"1.2.3.4","userAgent":"ua"}},
		"body":"{\"a\":1}"}`)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := DetectEvent(payload); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("got %v allocations per DetectEvent, want at most 2", allocs)
	}
}
