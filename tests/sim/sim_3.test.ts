import { simulationTest } from "./seeds.ts";

simulationTest(3);
