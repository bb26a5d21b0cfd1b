import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireMoto, startMoto, type Moto } from "./moto.js";

const enabled = requireMoto("moto helper self-test");

describe.runIf(enabled)("moto_server helper", () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });
  it("answers AWS SDK calls on a loopback port", async () => {
    const ec2 = new EC2Client(moto.clientConfig);
    const out = await ec2.send(new DescribeInstancesCommand({}));
    expect(out.Reservations).toEqual([]);
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
