// Process entry of the open-loop generator: options as JSON in argv[2], the result as one prefixed JSON line.
import { generateOpenLoad, RESULT_PREFIX, type OpenLoopOptions } from "./open-loop.ts";

const options = JSON.parse(process.argv[2] ?? "") as OpenLoopOptions;
const result = await generateOpenLoad(options);
process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
