// The MIB door's workflows, which the worker's bundle takes beside the core's (FrontDoor.workflows).
export { registerEndpointWorkflow } from './registerEndpoint';
