package redact

import "testing"

func TestFindPacks(t *testing.T) {
	runDetect(t, findITINs, TypeUSITIN, []detectCase{
		{in: "itin 912-70-1234 ok", want: []string{"912-70-1234"}},
		{in: "ITIN: 912701234", want: []string{"912701234"}},
		{in: "912-40-1234 and 912701234", want: nil},
	})
	runDetect(t, findRoutingNumbers, TypeUSRouting, []detectCase{
		{in: "routing number 021000021", want: []string{"021000021"}},
		{in: `"abaRouting":"011000015"`, want: []string{"011000015"}},
		{in: "routing 021000022, and then a long way further on: 021000021", want: nil},
	})
	runDetect(t, findNINOs, TypeUKNINO, []detectCase{
		{in: "nino AB123456C.", want: []string{"AB123456C"}},
		{in: `"ni":"JG 10 37 52 A"`, want: []string{"JG 10 37 52 A"}},
		{in: "DA123456C GB123456A AB123456E XAB123456C", want: nil},
	})
	runDetect(t, findNHSNumbers, TypeUKNHS, []detectCase{
		{in: "nhs 943 476 5919", want: []string{"943 476 5919"}},
		{in: "NHS number: 9434765919", want: []string{"9434765919"}},
		{in: "943 476 5918 and 9434765919", want: nil},
	})
	runDetect(t, findSINs, TypeCASIN, []detectCase{
		{in: "sin 046 454 286", want: []string{"046 454 286"}},
		{in: "SIN: 046454286", want: []string{"046454286"}},
		{in: "046 454 287 and 046454286", want: nil},
	})
}
