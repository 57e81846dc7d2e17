import { App } from 'aws-cdk-lib';
import { services } from '../services/index.ts';
import { applyNag, defineAzura, settingsFromContext } from './azura.ts';

/** `npx cdk synth|deploy --all [-c stage=prod]`: the whole system, checked by cdk-nag's AWS Solutions rules. */
const app = new App();
defineAzura(app, services, settingsFromContext(app.node));
applyNag(app);
app.synth();
