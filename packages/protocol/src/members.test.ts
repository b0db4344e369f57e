import { describe, expect, it } from "vitest";
import * as members from "./members.js";

describe("member states and events", () => {
  it("alive and suspect members are live; dead and left ones are not", () => {
    expect(members.MEMBER_STATUSES.filter(members.isLive)).toEqual(["alive", "suspect"]);
  });

  it("names one application event per detector change, one to one", () => {
    const { MEMBER_CHANGE_TYPES, MEMBER_EVENT_TYPES, memberEventType } = members;
    expect(MEMBER_CHANGE_TYPES.map(memberEventType)).toEqual([...MEMBER_EVENT_TYPES]);
    expect(memberEventType("join")).toBe("member-joined");
    expect(memberEventType("left")).toBe("member-left");
  });
});
