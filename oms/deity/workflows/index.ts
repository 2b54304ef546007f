// The Deity door's workflows, which the worker's bundle takes beside the core's (FrontDoor.workflows).
export { profileMethodsWorkflow } from './profileMethods';
export { deityParkedMessageWorkflow } from './parkedMessage';
