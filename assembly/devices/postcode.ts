// POST code ports (80h on PCs, 190h on some boards): each byte written is passed to the host.
import { CH_POST } from "../layout";
import { channelPut } from "../bus/channels";

export function postcodeWrite(v: u32): void { channelPut(CH_POST, v & 0xFF); }
